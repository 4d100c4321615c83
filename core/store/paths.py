"""Where the app keeps its files: the user's local data folder, the store, the backups, the settings.

Plain Python, no Qt. `data_dir()` is the one place that decides where data lives; everything else
asks it rather than `default_data_dir()`.

Portable mode: when a file named ``portable.txt`` sits beside the program (beside ``ziping.exe`` in
a PyInstaller build — ``sys.executable``'s folder — or beside ``main.py`` in a source checkout),
everything the app writes — the store, its backups and the settings file — goes to a ``data``
folder beside it, and nothing is written to the user's profile folders. That is how a clerk carries
the program and the forms on a USB stick from one office PC to another.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "ziping"
STORE_FILENAME = "ziping.db"
BACKUP_DIRNAME = "backups"
SETTINGS_FILENAME = "ziping.ini"
PORTABLE_MARKER = "portable.txt"
PORTABLE_DATA_DIRNAME = "data"


def app_dir() -> Path:
    """The folder the program runs from: the executable's folder in a frozen (PyInstaller) build,
    else the folder of ``main.py`` (the repository root)."""
    if getattr(sys, "frozen", False):
        return Path(os.path.abspath(sys.executable)).parent
    return Path(__file__).resolve().parents[2]


def portable_marker() -> Path:
    """Where ``portable.txt`` must be for portable mode."""
    return app_dir() / PORTABLE_MARKER


def is_portable() -> bool:
    """True when ``portable.txt`` sits beside the program (checked on every call, no caching)."""
    return portable_marker().is_file()


def portable_data_dir() -> Path:
    """The data folder of portable mode: ``data`` beside the program."""
    return app_dir() / PORTABLE_DATA_DIRNAME


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


def default_config_dir() -> Path:
    """The per-user settings folder: Windows %APPDATA%\\ziping (roaming: settings are small and
    follow the user); elsewhere $XDG_CONFIG_HOME/ziping, or ~/.config/ziping."""
    if sys.platform == "win32":
        roaming = os.environ.get("APPDATA")
        base = Path(roaming) if roaming else Path.home() / "AppData" / "Roaming"
    else:
        xdg = os.environ.get("XDG_CONFIG_HOME")
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".config"
    return base / APP_NAME


def data_dir() -> Path:
    """The folder the app keeps its data in: ``data`` beside the program in portable mode, else
    the user's local data folder. Not created here; whoever writes creates it."""
    if is_portable():
        return portable_data_dir()
    return default_data_dir()


def default_store_path() -> Path:
    """The default form store: <data dir>/ziping.db."""
    return data_dir() / STORE_FILENAME


def default_backup_dir(store_path: str | os.PathLike) -> Path:
    """Daily backups of a store go to a `backups` folder beside it."""
    return Path(os.fspath(store_path)).parent / BACKUP_DIRNAME


def settings_path() -> Path:
    """The settings file (INI): <data dir>/ziping.ini in portable mode, else
    %APPDATA%\\ziping\\ziping.ini on Windows and $XDG_CONFIG_HOME/ziping/ziping.ini elsewhere."""
    if is_portable():
        return portable_data_dir() / SETTINGS_FILENAME
    return default_config_dir() / SETTINGS_FILENAME


def lock_dir() -> Path:
    """Where the identity locks of stores live (one tiny file per store file, named by the file's
    device and inode, so a store reached through a hard link has the same lock): the temporary
    folder, which every start of the program on this computer sees."""
    import tempfile

    return Path(tempfile.gettempdir()) / "ziping-locks"


# ---------------------------------------------------------------------------------------------
# SQLite URIs

_URI_SAFE = "/:"        # everything else that is not a plain ASCII letter/digit/-._~ is %-encoded


def sqlite_uri(path: str | os.PathLike, *, windows: bool | None = None, **params: str) -> str:
    """A ``file:`` URI SQLite accepts for `path` (absolute), with query `params` (mode="ro", ...).

    Handles what ``Path.as_uri()`` gets wrong for SQLite: a UNC path ``\\\\server\\share\\dir\\x.db``
    must become ``file:////server/share/dir/x.db`` (SQLite refuses any URI authority but
    "localhost"); drive letters become ``file:///C:/dir/x.db``; non-ASCII folders and the
    characters ``? # %`` are percent-encoded as UTF-8. ``windows`` chooses the path rules (default:
    this machine's), so the Windows forms can be tested anywhere.
    """
    from urllib.parse import quote

    if windows is None:
        windows = sys.platform == "win32"
    text = os.fspath(path)
    if windows:
        from pathlib import PureWindowsPath

        if text.startswith("\\\\?\\UNC\\"):
            text = "\\\\" + text[len("\\\\?\\UNC\\"):]
        elif text.startswith("\\\\?\\"):
            text = text[len("\\\\?\\"):]
        p = PureWindowsPath(text)
        if not p.is_absolute():
            p = PureWindowsPath(os.path.abspath(text)) if sys.platform == "win32" else p
        slashed = str(p).replace("\\", "/")
        if slashed.startswith("//"):          # UNC: the host is part of the path, not an authority
            body = "//" + slashed
        elif len(slashed) >= 2 and slashed[1] == ":":
            body = "///" + slashed
        else:
            body = slashed
    else:
        text = os.path.abspath(text)
        body = "//" + text if text.startswith("/") else text
    uri = "file:" + quote(body, safe=_URI_SAFE)
    if params:
        uri += "?" + "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items())
    return uri
