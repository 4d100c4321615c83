"""The Qt GUI: widgets, Qt adapter models, delegates, undo commands and dialogs over ``core``."""
