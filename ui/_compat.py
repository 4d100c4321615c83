"""Work around a reference-count bug of the PySide6 6.12 wheels on Python 3.11.

Every PySide6 method that returns nothing (``QPainter.setPen``, ``QObject.setObjectName``, a
signal's ``emit`` …) hands back ``None`` without taking a reference to it.  On Python 3.12 and later
``None`` is immortal (PEP 683) so that is harmless; on 3.10/3.11 each call lowers None's reference
count by one, and after a few thousand calls the interpreter aborts with
"Fatal Python error: none_dealloc".  Measured here: ``QRect().setWidth(3)`` 1000 times lowers
``sys.getrefcount(None)`` by exactly 1000.

The fix on our side is what 3.12 does: make ``None`` (and ``True``/``False``, seen to abort the
same way as "bool_dealloc") effectively immortal by giving them a reference count that can never
reach zero.  They are static objects that are never freed, so this changes nothing else.  Remove this module once the app runs on Python 3.12+ only or on a
PySide6 release that returns ``None`` with a reference.
"""
from __future__ import annotations

import ctypes
import sys

_PINNED = False
_HEADROOM = 1 << 40


def pin_none() -> None:
    """Raise the reference counts of None, True and False far out of reach (CPython before 3.12
    only; the same happens to True/False on some paths, e.g. bool results of Python overrides)."""
    global _PINNED
    if _PINNED or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    for obj in (None, True, False):
        refcnt = ctypes.c_ssize_t.from_address(id(obj))   # ob_refcnt is PyObject's first field
        refcnt.value += _HEADROOM
    _PINNED = True


pin_none()
