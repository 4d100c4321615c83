"""Package: what a unit sends besides the tables (PACKAGE.md) — the 汇总表 (:mod:`.summary`, written
by :mod:`.summary_xlsx` and :mod:`.summary_pdf`), the 自评报告 drafted from the forms
(:mod:`.report`, written by :mod:`.report_docx` and :mod:`.report_pdf`) with the clerk's own texts
kept in the store (:mod:`.report_texts`), and the whole package in a folder or a zip
(:mod:`.bundle`).  Uses :mod:`core.files`, :mod:`core.form`, :mod:`core.rules`, :mod:`core.layout`
(the line-breaking rules) and :mod:`core.export`."""
from core.package.bundle import (Blank, Entry, check_glyphs, make_package, problems, report_blanks, unfinished,
                                 unit_entries_from_store, units_in_store, write_package)
from core.package.report import Report, build_report, build_unit_report
from core.package.report_texts import form_key, load_texts, save_text, unit_key
from core.package.summary import COLUMNS, HAS_ERRORS, INCOMPLETE, READY, form_state, summarize, unit_of

__all__ = ["Blank", "Entry", "check_glyphs", "make_package", "problems", "report_blanks", "unfinished", "unit_entries_from_store",
           "units_in_store", "write_package", "Report", "build_report", "build_unit_report", "form_key", "load_texts", "save_text",
           "unit_key", "COLUMNS", "HAS_ERRORS", "INCOMPLETE", "READY", "form_state", "summarize", "unit_of"]
