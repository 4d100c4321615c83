"""Where the app keeps its files (core.store.paths) and the SQLite URIs built for them: drive letters,
UNC paths and Chinese folders (simulated with PureWindowsPath's rules; the UNC form is read by the
real SQLite here, since a path starting with two slashes names the same file on this machine)."""
from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from pathlib import Path

import pytest

import core.store.backups as backups_mod
from core.store import paths
from core.store import Store


def summary(**kw) -> dict:
    base = {"year": 2023, "unit": "单位", "name": "项目", "template": "central-project", "total": None,
            "grade": None}
    base.update(kw)
    return base


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "ziping.db")
    yield s
    s.close()


# ----------------------------------------------------------------------------- paths

def test_paths_per_platform(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    assert paths.default_data_dir() == tmp_path / "Local" / "ziping"

    monkeypatch.setattr(sys, "platform", "darwin")
    assert paths.default_data_dir() == Path.home() / "Library" / "Application Support" / "ziping"

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert paths.default_data_dir() == tmp_path / "xdg" / "ziping"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert paths.default_data_dir() == Path.home() / ".local" / "share" / "ziping"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert paths.default_data_dir() == Path.home() / ".local" / "share" / "ziping"

    assert paths.data_dir() == paths.default_data_dir()
    assert paths.default_store_path() == paths.data_dir() / "ziping.db"
    assert paths.default_backup_dir(tmp_path / "x" / "ziping.db") == tmp_path / "x" / "backups"


def test_daily_backup_default_folder_is_paths_default(store, monkeypatch):
    monkeypatch.setattr(backups_mod, "_local_now", lambda: dt.datetime(2024, 1, 2, 3, 4, 5))
    made = store.daily_backup()
    assert made.parent == paths.default_backup_dir(store.path)


# ----------------------------------------------------------------------------- SQLite URIs

@pytest.mark.parametrize("path, uri", [
    (r"C:\Users\张三\表单库.db",
     "file:///C:/Users/%E5%BC%A0%E4%B8%89/%E8%A1%A8%E5%8D%95%E5%BA%93.db"),
    (r"\\server\share\子目录\表单库.db",
     "file:////server/share/%E5%AD%90%E7%9B%AE%E5%BD%95/%E8%A1%A8%E5%8D%95%E5%BA%93.db"),
    (r"\\?\UNC\server\share\子目录\表单库.db",
     "file:////server/share/%E5%AD%90%E7%9B%AE%E5%BD%95/%E8%A1%A8%E5%8D%95%E5%BA%93.db"),
    (r"\\?\D:\很长的路径\ziping.db", "file:///D:/%E5%BE%88%E9%95%BF%E7%9A%84%E8%B7%AF%E5%BE%84/ziping.db"),
    (r"D:\A #1\b?%.db", "file:///D:/A%20%231/b%3F%25.db"),
])
def test_sqlite_uri_for_windows_paths(path, uri):
    """Before: Path.as_uri() made file://server/share/... of a UNC path, which SQLite refuses
    ("invalid uri authority"): the read-only fallback, the backup check and the restore failed."""
    assert paths.sqlite_uri(path, windows=True) == uri
    assert paths.sqlite_uri(path, windows=True, mode="ro") == uri + "?mode=ro"
    assert paths.sqlite_uri(path, windows=True, mode="ro", immutable="1") == uri + "?mode=ro&immutable=1"


@pytest.mark.skipif(sys.platform == "win32", reason="a real share is needed on Windows")
def test_the_unc_form_is_one_sqlite_accepts(tmp_path):
    """SQLite itself reads the four-slash form (no authority); the old as_uri() form it refuses.
    On this machine a path that starts with two slashes names the same file, so the UNC rule is
    exercised by real SQLite here."""
    from pathlib import PureWindowsPath
    db = tmp_path / "子目录" / "表单库.db"
    db.parent.mkdir()
    Store(db).close()
    unc_like = "\\\\" + str(db).lstrip("/").replace("/", "\\")        # \\tmp\pytest-…\表单库.db
    conn = sqlite3.connect(paths.sqlite_uri(unc_like, windows=True, mode="ro"), uri=True)
    assert conn.execute("SELECT count(*) FROM forms").fetchone() == (0,)
    conn.close()
    with pytest.raises(sqlite3.OperationalError, match="authority"):
        sqlite3.connect(PureWindowsPath(unc_like).as_uri() + "?mode=ro", uri=True)


def test_stores_in_folders_with_chinese_and_uri_characters(tmp_path):
    from core.store import is_good_backup, recover_from_backup
    folder = tmp_path / ("张三的 表单 #1 %&" if sys.platform == "win32" else "张三的 表单 #1 ?%&")
    path = folder / "表单库.db"
    with Store(path) as s:
        fid = s.create({"v": 1}, summary())
        backup = s.backup_to(folder / "备份 #1.db")
        reader = s.reader()
        assert reader.execute("SELECT count(*) FROM forms").fetchone() == (1,)
        reader.close()
    with Store(path, readonly=True) as ro:
        assert ro.get(fid) == {"v": 1}
    assert is_good_backup(backup)
    path.write_bytes(b"x" * 5000)
    assert recover_from_backup(path, backup).backup == backup
    with Store(path) as s:
        assert s.get(fid) == {"v": 1}
