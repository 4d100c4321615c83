"""Portable mode: with portable.txt beside the program, everything goes to data/ beside it and
nothing into the user's folders."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.store import paths

ROOT = Path(__file__).resolve().parent.parent


def _files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _isolated_env(home: Path) -> dict:
    env = dict(os.environ)
    for var in ("HOME", "USERPROFILE", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
                "XDG_STATE_HOME", "APPDATA", "LOCALAPPDATA"):
        env.pop(var, None)
    env.update(HOME=str(home), USERPROFILE=str(home), XDG_DATA_HOME=str(home / "xdg-data"),
               XDG_CONFIG_HOME=str(home / "xdg-config"), XDG_CACHE_HOME=str(home / "xdg-cache"),
               XDG_STATE_HOME=str(home / "xdg-state"), APPDATA=str(home / "AppData" / "Roaming"),
               LOCALAPPDATA=str(home / "AppData" / "Local"), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    return env


# What a frozen ziping.exe does at start (store, daily backup, settings), run in a child process
# that believes it is frozen at APP/ziping.exe.
CHILD = textwrap.dedent("""
    import json, sys
    sys.frozen = True
    sys.executable = sys.argv[1]
    from core.store import paths
    from core.store import Store
    store = Store(paths.default_store_path())
    store.create({"format": "ziping-form", "version": 1, "template": "central-project"},
                 {"year": 2024, "unit": "望城区财政局", "name": "便携模式测试"})
    backup = store.daily_backup()
    store.close()
    from ui.settings import Settings
    s = Settings()
    s.unit_name = "长沙市望城区财政局"
    ok = s.sync()
    if len(sys.argv) > 2:            # also start the GUI pieces that touch the disk
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from ui.settings import SettingsDialog
        dlg = SettingsDialog()
        dlg.filler.setText("张三")
        dlg.accept()
        from ui.help import HelpDialog
        HelpDialog(None, "hunan")
    print(json.dumps({"portable": paths.is_portable(), "data": str(paths.data_dir()),
                      "store": str(paths.default_store_path()), "backup": str(backup),
                      "settings": str(paths.settings_path()), "synced": ok}))
""")


@pytest.mark.parametrize("with_gui", [False, True], ids=["core", "with-qt"])
def test_portable_frozen_app_writes_only_beside_itself(tmp_path, with_gui):
    app = tmp_path / "U盘" / "ziping"
    app.mkdir(parents=True)
    exe = app / "ziping.exe"
    exe.write_bytes(b"")
    (app / "portable.txt").write_text("", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()

    args = [sys.executable, "-c", CHILD, str(exe)] + (["gui"] if with_gui else [])
    p = subprocess.run(args, cwd=elsewhere, env=_isolated_env(home), capture_output=True,
                       text=True, encoding="utf-8", timeout=120)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout.strip().splitlines()[-1])

    data = app / "data"
    assert out["portable"] is True
    assert Path(out["data"]) == data
    assert Path(out["store"]) == data / "ziping.db"
    assert Path(out["settings"]) == data / "ziping.ini"
    assert out["synced"] is True
    assert (data / "ziping.db").is_file()
    backups = list((data / "backups").glob("ziping-*.db"))
    assert len(backups) == 1 and Path(out["backup"]) == backups[0]
    ini = (data / "ziping.ini").read_text(encoding="utf-8")
    assert "长沙市望城区财政局" in ini
    if with_gui:
        assert "张三" in ini
    # Nothing in the user's folders, nothing in the working folder.
    assert _files_under(home) == []
    assert _files_under(elsewhere) == []


def test_without_marker_the_user_folders_are_used(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "ziping.exe").write_bytes(b"")
    home = tmp_path / "home"
    home.mkdir()
    code = ("import sys, json; sys.frozen = True; sys.executable = sys.argv[1]\n"
            "from core.store import paths\n"
            "print(json.dumps([paths.is_portable(), str(paths.data_dir()), str(paths.settings_path())]))")
    p = subprocess.run([sys.executable, "-c", code, str(app / "ziping.exe")], cwd=tmp_path,
                       env=_isolated_env(home), capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    portable, data, settings = json.loads(p.stdout)
    assert portable is False
    if sys.platform == "win32":
        assert Path(data) == home / "AppData" / "Local" / "ziping"
        assert Path(settings) == home / "AppData" / "Roaming" / "ziping" / "ziping.ini"
    else:
        assert Path(data) == home / "xdg-data" / "ziping"
        assert Path(settings) == home / "xdg-config" / "ziping" / "ziping.ini"


def test_source_checkout_marker_beside_main_py(tmp_path):
    """Not frozen: portable.txt counts beside main.py (the folder above core/)."""
    src = tmp_path / "src"
    (src / "core" / "store").mkdir(parents=True)
    shutil.copy(ROOT / "core" / "store" / "paths.py", src / "core" / "store" / "paths.py")
    (src / "core" / "__init__.py").write_text("", encoding="utf-8")
    (src / "core" / "store" / "__init__.py").write_text("", encoding="utf-8")
    (src / "main.py").write_text("", encoding="utf-8")
    (src / "portable.txt").write_text("", encoding="utf-8")
    code = ("import json; from core.store import paths\n"
            "print(json.dumps([str(paths.app_dir()), str(paths.data_dir()), str(paths.settings_path())]))")
    env = _isolated_env(tmp_path / "home")
    env["PYTHONPATH"] = str(src)
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    app_dir, data, settings = json.loads(p.stdout)
    assert Path(app_dir) == src
    assert Path(data) == src / "data"
    assert Path(settings) == src / "data" / "ziping.ini"


def test_paths_in_process(tmp_path, monkeypatch):
    app = tmp_path / "app"
    app.mkdir()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app / "ziping.exe"))
    assert paths.app_dir() == app
    assert not paths.is_portable()
    (app / "portable.txt").mkdir()               # a folder of that name does not count
    assert not paths.is_portable()
    (app / "portable.txt").rmdir()
    (app / "portable.txt").write_text("便携", encoding="utf-8")
    assert paths.is_portable()
    assert paths.data_dir() == app / "data"
    assert paths.default_store_path() == app / "data" / "ziping.db"
    assert paths.default_backup_dir(paths.default_store_path()) == app / "data" / "backups"
    assert paths.settings_path() == app / "data" / "ziping.ini"
    # Checked on every call: removing the marker switches back at once.
    (app / "portable.txt").unlink()
    assert paths.data_dir() == paths.default_data_dir()


def test_settings_path_per_platform(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "is_portable", lambda: False)
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    assert paths.settings_path() == tmp_path / "Roaming" / "ziping" / "ziping.ini"
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert paths.settings_path() == tmp_path / "cfg" / "ziping" / "ziping.ini"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/is/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert paths.settings_path() == tmp_path / "home" / ".config" / "ziping" / "ziping.ini"
