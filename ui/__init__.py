"""The Qt GUI: widgets, Qt adapter models, delegates, undo commands and dialogs over ``core``."""
from . import _compat  # noqa: F401  (PySide6 6.12 on Python 3.11: see ui/_compat.py)
