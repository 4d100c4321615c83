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
