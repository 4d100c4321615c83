"""Reading: a workbook back into a form — the bounded reader of .xlsx parts (:mod:`.xlsx_read`),
this program's own workbooks with their embedded form (:mod:`.imports`) and any workbook read by
its layout, the Sheet backwards (:mod:`.layout_import`, :mod:`.grid`, :mod:`.walk`,
:mod:`.indicator_blocks`).  Uses :mod:`core.form`, :mod:`core.rules`, :mod:`core.layout` and the
workbook format of :mod:`core.export`."""
from core.reading.cell_text import shown_text
from core.reading.imports import ImportError_, check_package, import_workbook
from core.reading.xlsx_read import PackageError

__all__ = ["shown_text", "ImportError_", "check_package", "import_workbook", "PackageError"]
