"""Layout: a form laid out once, as data — the :class:`Sheet` of cells with spans, roles and texts
(:mod:`.sheet`), patched live as a clerk types (:mod:`.live`), with column widths that the screen,
the workbook and the PDF all use (:mod:`.widths`) and the line breaking of Chinese text
(:mod:`.linebreak`).  Uses :mod:`core.form` and :mod:`core.rules`."""
from core.layout.linebreak import NO_END, NO_START, break_para, break_text, hang_end
from core.layout.live import LivePreview
from core.layout.sheet import (BLANK, COMPUTED, EDITABLE_ROLES, HEADER, INPUT, LABEL, SCORE, SUBTITLE, TEXT, TITLE,
                               Cell, Sheet, build_sheet, edit_cell, fill_text, format_amount, redo_changes,
                               set_tier, text_width, undo_changes)
from core.layout.widths import (A4, MM, PDF_MARGIN_X, PDF_PAD_X, PDF_SIZE, excel_scale, frame_width, screen_widths,
                                solve_widths)

__all__ = ["NO_END", "NO_START", "break_para", "break_text", "hang_end", "LivePreview", "BLANK", "COMPUTED", "EDITABLE_ROLES",
           "HEADER", "INPUT", "LABEL", "SCORE", "SUBTITLE", "TEXT", "TITLE", "Cell", "Sheet", "build_sheet",
           "edit_cell", "fill_text", "format_amount", "redo_changes", "set_tier", "text_width", "undo_changes",
           "A4", "MM", "PDF_MARGIN_X", "PDF_PAD_X", "PDF_SIZE", "excel_scale", "frame_width", "screen_widths",
           "solve_widths"]
