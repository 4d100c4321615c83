"""Exports: the form as an Excel workbook and as a PDF, both drawn from one Sheet.

``export_form(form, xlsx=..., pdf=...)`` lays the form out once
(:func:`core.sheet.build_sheet`) and writes each file atomically (a temp file in
the same folder, then a rename): a crash, a full disk or a file held open by
Excel/WPS leaves the old file untouched and raises
:class:`core.atomic.WriteError` with a plain Chinese message.

openpyxl and reportlab are imported only when a file is written, so the window
comes up fast.
"""
from __future__ import annotations

from ..atomic import WriteError, atomic_write_with
from .names import export_names, safe_filename

__all__ = ["ExportError", "WriteError", "export_form", "export_names", "safe_filename",
           "missing_glyphs", "preload", "preload_in_background"]


class ExportError(Exception):
    """An export that cannot be made as asked; ``str(e)`` is plain Chinese."""

    def __init__(self, message: str, missing: list | None = None):
        super().__init__(message)
        self.message = message
        self.missing = list(missing or [])   # [(path, char)] for missing glyphs

    def __str__(self) -> str:
        return self.message


def missing_glyphs(form) -> list[tuple[str, str]]:
    """Characters of the form that the PDF font cannot draw: [(path, char)]."""
    from .pdf import missing_glyphs as _missing
    return _missing(form)


def export_form(form, xlsx=None, pdf=None, *, allow_missing: bool = False, sheet=None) -> None:
    """Write the workbook and/or the PDF of a form.

    The PDF is checked for characters its font lacks *before* anything is
    written: unless ``allow_missing`` is set, :class:`ExportError` names them
    and their cells and no file is touched.
    """
    from ..sheet import build_sheet

    if sheet is None:
        sheet = build_sheet(form)
    lay = None
    if pdf:
        from .pdf import check_glyphs, draw
        from .pdf_layout import layout
        if not allow_missing:
            check_glyphs(sheet)          # raises ExportError
        lay = layout(sheet)              # one layout for both files: the workbook breaks where the PDF does
    if xlsx:
        from .xlsx import write_xlsx
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
    from . import fonts, pdf, pdf_layout, xlsx  # noqa: F401
    from .. import checks, sheet  # noqa: F401
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
