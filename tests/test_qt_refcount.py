"""PySide6 6.12.0 wheels hand back None from void methods without a reference: on Python 3.11 the
interpreter then aborts ("Fatal Python error: none_dealloc") after a few thousand calls.  The
project pins a release without that bug; this test fails if a Qt upgrade brings it back."""
import sys

from PySide6.QtCore import QObject, QRect, Signal
from PySide6.QtGui import QImage, QPainter, QPen


class _Emitter(QObject):
    fired = Signal()


def test_void_qt_calls_do_not_leak_references_to_none():
    before = sys.getrefcount(None)
    for _ in range(2000):
        QRect().setWidth(3)
    img = QImage(8, 8, QImage.Format.Format_RGB32)
    painter = QPainter(img)
    for _ in range(2000):
        painter.setPen(QPen())
    painter.end()
    obj = _Emitter()
    for _ in range(2000):
        obj.fired.emit()
        obj.setObjectName("x")
    # A leak would lower the count by ~8000; allow for unrelated noise.
    assert sys.getrefcount(None) > before - 500
