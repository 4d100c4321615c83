"""Export: the form as an Excel workbook and as a PDF, both drawn from one Sheet — and what every
printed file shares: the bundled fonts (:mod:`.fonts`), the characters they lack (:mod:`.glyphs`),
the file names (:mod:`.names`) and the workbook's cell formats (:mod:`.xlsx_grid`).  Uses
:mod:`core.files`, :mod:`core.form`, :mod:`core.rules` and :mod:`core.layout`.

``export_form(form, xlsx=..., pdf=...)`` lays the form out once
(:func:`core.layout.sheet.build_sheet`) and writes each file atomically (a temp file in
the same folder, then a rename): a crash, a full disk or a file held open by
Excel/WPS leaves the old file untouched and raises
:class:`core.files.atomic.WriteError` with a plain Chinese message.

openpyxl and reportlab are imported only when a file is written, so the window
comes up fast.
"""
from __future__ import annotations

from core.export import fonts
from core.export.errors import ExportError
from core.export.names import (EXCEL_MAX_PATH, MAX_PATH, export_names, fit_stem, folder_too_long, full_path,
                               path_problem, path_units, safe_filename)
from core.export.xlsx import EMBED_MAGIC, EMBED_SHEET, ROW_MAP_CELL, SHEET_NAME
from core.export.xlsx_grid import AMOUNT_FORMAT, PERCENT_FORMAT, SCORE_FORMAT, cell_output, excel_text
from core.files import WriteError, atomic_write_with

__all__ = ["ExportError", "WriteError", "export_form", "export_names", "fit_stem", "folder_too_long",
           "path_problem", "EXCEL_MAX_PATH", "MAX_PATH", "full_path", "path_units", "safe_filename", "missing_glyphs", "missing_in_texts", "preload",
           "preload_in_background", "fonts", "EMBED_MAGIC", "EMBED_SHEET", "ROW_MAP_CELL", "SHEET_NAME",
           "AMOUNT_FORMAT", "PERCENT_FORMAT", "SCORE_FORMAT", "cell_output", "excel_text"]


def missing_in_texts(texts) -> list[str]:
    """Characters of ``texts`` that no bundled face can draw, in order, once each."""
    return fonts.missing_glyphs(list(texts))


def missing_glyphs(form) -> list[tuple[str, str]]:
    """Characters of the form that the PDF font cannot draw: [(path, char)]."""
    from core.export.pdf import missing_glyphs as _missing
    return _missing(form)


def export_form(form, xlsx=None, pdf=None, *, allow_missing: bool = False, sheet=None) -> None:
    """Write the workbook and/or the PDF of a form.

    The PDF is checked for characters its font lacks *before* anything is
    written: unless ``allow_missing`` is set, :class:`ExportError` names them
    and their cells and no file is touched.
    """
    from core.layout import build_sheet

    if sheet is None:
        sheet = build_sheet(form)
    lay = None
    if pdf:
        from core.export.pdf import check_glyphs, draw
        from core.export.pdf_layout import layout
        if not allow_missing:
            check_glyphs(sheet)          # raises ExportError
        lay = layout(sheet)              # one layout for both files: the workbook breaks where the PDF does
    if xlsx:
        from core.export.xlsx import write_xlsx
        atomic_write_with(xlsx, lambda tmp: write_xlsx(form, tmp, sheet, lay))
    if pdf:
        try:
            atomic_write_with(pdf, lambda tmp: draw(lay, form, tmp))
        except (WriteError, ExportError):
            raise
        except Exception as e:
            from reportlab.platypus.doctemplate import LayoutError
            if isinstance(e, LayoutError):   # a layout the paginator did not foresee
                raise ExportError("PDF 排版失败：有单元格内容过长或过宽，无法放入一页。请缩短该内容后重试，"
                                  "或只导出 Excel。") from e
            raise


_preloading = None


def preload() -> None:
    """Load what the first export needs — openpyxl, reportlab, the fonts and the export code —
    so that it is as fast as the exports after it (about 0.3 s of work, done once per process)."""
    from core.export import fonts, pdf, pdf_layout, xlsx  # noqa: F401
    from core.layout import build_sheet  # noqa: F401  (the Sheet's code)
    from core.rules import evaluate  # noqa: F401  (the checks' code, loaded with the rest)
    fonts.preload()
    import openpyxl  # noqa: F401
    import openpyxl.writer.excel  # noqa: F401


def preload_in_background():
    """Run :func:`preload` once per process in a daemon thread (the window calls this once it is
    shown); returns the thread, to ``join`` when one must wait for it."""
    global _preloading
    if _preloading is None:
        import threading

        def run():
            try:
                preload()
            except Exception:    # the export itself will say what is wrong, in Chinese
                import logging
                logging.getLogger(__name__).warning("export preload failed", exc_info=True)

        _preloading = threading.Thread(target=run, name="export-preload", daemon=True)
        _preloading.start()
    return _preloading
