"""Cells copied to the clipboard must not crash the program when it ends."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import sys
from PySide6.QtWidgets import QApplication
from ui import clipboard
app = QApplication([])
QApplication.clipboard().setMimeData(clipboard.mime_for([["=100%", "0012"]]))
if sys.argv[1] == "release":
    clipboard.release_before_exit()
    assert QApplication.clipboard().text().startswith("=100%\\t0012"), repr(QApplication.clipboard().text())
"""


def _run(mode: str) -> int:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", SCRIPT, mode], cwd=ROOT, env=env,
                          capture_output=True, timeout=120).returncode


def test_copied_cells_survive_the_end_of_the_program():
    assert _run("release") == 0


def test_without_the_hand_over_the_process_would_crash():
    # The reason for release_before_exit: Qt deletes our data after Python has shut down.
    assert _run("keep") != 0
