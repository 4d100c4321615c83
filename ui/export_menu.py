"""导出… (Ctrl+E) and 批量导出… as the main window's actions: the one module that knows both the
single export (ui/export_actions.py) and the batch (ui/export_batch.py), so neither imports the other
back."""
from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from .export_actions import export_both
from .export_batch import batch_export


def make_actions(window) -> tuple[QAction, QAction]:
    """导出… (Ctrl+E) and 批量导出… for the main window's toolbar and 文件 menu."""
    both = QAction("导出…", window)
    both.setShortcut(QKeySequence("Ctrl+E"))
    tip = "把当前的表同时导出为 Excel 和 PDF，保存到选定的文件夹（Ctrl+E）"
    both.setToolTip(tip)
    both.setStatusTip(tip)
    both.triggered.connect(lambda: export_both(window))
    batch = QAction("批量导出…", window)
    tip = "把某一年度的全部表导出为 Excel 和 PDF，保存到选定的文件夹"
    batch.setToolTip(tip)
    batch.setStatusTip(tip)
    batch.triggered.connect(lambda: batch_export(window))
    return both, batch
