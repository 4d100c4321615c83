"""Where the app keeps its files: the user's local data folder, the store, the backups.

Plain Python, no Qt. `data_dir()` is the one place later features (portable mode) extend;
everything else asks it rather than `default_data_dir()`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "ziping"
STORE_FILENAME = "ziping.db"
BACKUP_DIRNAME = "backups"


def default_data_dir() -> Path:
    """The per-user local data folder for the app (not roaming: the store is SQLite in WAL mode).

    Windows: %LOCALAPPDATA%\\ziping; macOS: ~/Library/Application Support/ziping;
    elsewhere: $XDG_DATA_HOME/ziping, or ~/.local/share/ziping.
    """
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        base = Path(local) if local else Path.home() / "AppData" / "Local"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME")
        # The XDG spec says a relative path there is invalid and must be ignored.
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / APP_NAME


def data_dir() -> Path:
    """The folder the app uses for its data. For now the default one (portable mode comes later)."""
    return default_data_dir()


def default_store_path() -> Path:
    """The default form store: <data dir>/ziping.db."""
    return data_dir() / STORE_FILENAME


def default_backup_dir(store_path: str | os.PathLike) -> Path:
    """Daily backups of a store go to a `backups` folder beside it."""
    return Path(os.fspath(store_path)).parent / BACKUP_DIRNAME
