"""Shared test setup.

Qt runs headless (offscreen) in every test; the variable must be set before any QApplication
exists, so it is set here, at import time.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# In CI the property tests draw the same examples every run (a red CI must mean a change broke
# something, not an unlucky draw); on a developer's machine they explore anew each time.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _private_settings_file(tmp_path_factory, monkeypatch):
    """Every test gets its own settings folder: the main window reads 设置 and saves its size and
    place on close, which must never reach the settings of whoever runs the tests."""
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    monkeypatch.setenv("APPDATA", str(folder))


def pytest_sessionfinish(session, exitstatus):
    """Cells copied by a test are a Python object on the clipboard; hand it to Qt before Python
    shuts down, as the program does on exit (or the process crashes after the last test)."""
    if "PySide6.QtWidgets" in sys.modules:
        from ui.clipboard import release_before_exit
        release_before_exit()
