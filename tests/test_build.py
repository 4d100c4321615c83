"""The PyInstaller build (slow: skipped unless ZIPING_BUILD_TEST=1).

    ZIPING_BUILD_TEST=1 .venv/bin/python -m pytest tests/test_build.py -q
        builds with build.spec into a temporary folder (about a minute), then runs the frozen app;
    ZIPING_BUILD_TEST=1 ZIPING_BUILD_DIST=dist/ziping ... tests an existing build instead (CI).

The frozen app must find its resources through sys._MEIPASS (never the working folder), print
the score of a sample, open its window (offscreen), keep to portable mode, and stay small.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.environ.get("ZIPING_BUILD_TEST") != "1",
                                reason="slow: set ZIPING_BUILD_TEST=1 to build with PyInstaller")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "resources" / "samples" / "seed004-wangcheng-2020-dept.json"
IS_WIN = sys.platform == "win32"
MAX_MB = 150


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    given = os.environ.get("ZIPING_BUILD_DIST")
    if given:
        folder = Path(given).resolve()
        assert folder.is_dir(), f"no build at {folder}"
        return folder
    pytest.importorskip("PyInstaller")
    tmp = tmp_path_factory.mktemp("pyinstaller")
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "PyInstaller", str(ROOT / "build.spec"), "--noconfirm",
                        "--distpath", str(tmp / "dist"), "--workpath", str(tmp / "build")],
                       cwd=ROOT, capture_output=True, text=True, encoding="utf-8", errors="replace",
                       timeout=1800, env={**os.environ, "ZIPING_CLI_EXE": "1"})     # the CLI exe on Linux too
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-5000:]
    print(f"\nbuild took {time.monotonic() - t0:.0f} s")
    return tmp / "dist" / "ziping"


def _exe(dist: Path, cli: bool = False) -> Path:
    if IS_WIN:
        return dist / ("ziping-cli.exe" if cli else "ziping.exe")
    if cli and (dist / "ziping-cli").is_file():        # built with ZIPING_CLI_EXE=1
        return dist / "ziping-cli"
    return dist / "ziping"


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def _env(home: Path) -> dict:
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(home), USERPROFILE=str(home),
               XDG_DATA_HOME=str(home / "xdg-data"), XDG_CONFIG_HOME=str(home / "xdg-config"),
               XDG_CACHE_HOME=str(home / "xdg-cache"), APPDATA=str(home / "Roaming"),
               LOCALAPPDATA=str(home / "Local"))
    env.pop("PYTHONPATH", None)
    return env


def test_bundle_layout_and_size(dist):
    internal = dist / "_internal"
    assert _exe(dist).is_file()
    if IS_WIN:
        assert _exe(dist, cli=True).is_file()
    res = internal / "resources"
    for rel in ("profiles.json", "templates/central-project.json", "samples/" + SAMPLE.name,
                "fonts/NotoSerifSC-Regular.ttf", "fonts/NotoSansSC-Bold.ttf", "fonts/BabelStoneHan-Supplement.ttf",
                "fonts/OFL.txt", "fonts/APL.txt", "fonts/README.md",
                "icons/app.ico", "icons/app.png"):
        assert (res / rel).is_file(), rel
    assert not (res / "fonts" / "build_font.py").exists()
    translations = sorted(p.name for p in internal.rglob("*.qm"))
    assert translations == ["qtbase_zh_CN.qm"]
    plugins = {p.parent.name for p in internal.rglob("plugins/*/*") if p.is_file()}
    assert plugins <= {"platforms", "imageformats", "styles", "platformthemes", "iconengines",
                       "platforminputcontexts", "xcbglintegrations", "printsupport"}, plugins
    names = {p.name.lower() for p in internal.rglob("*")}
    for unwanted in ("qtwebenginecore", "qtqml", "qtquick", "qtpdf", "qtdesigner", "tkinter"):
        assert not any(unwanted in n for n in names), unwanted
    assert not [p for p in dist.rglob("*") if p.is_symlink() and not p.exists()], "dangling links"
    size = _size_mb(dist)
    print(f"\nbundle size: {size:.1f} MiB")
    assert size < MAX_MB


def test_score_prints_from_another_folder(dist, tmp_path):
    form = tmp_path / "表单.json"
    shutil.copy(SAMPLE, form)
    p = subprocess.run([str(_exe(dist, cli=True)), "score", form.name], cwd=tmp_path,
                       env=_env(tmp_path / "home"), capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")
    result = json.loads(p.stdout.decode("utf-8"))      # UTF-8 even through a pipe
    assert result["total"] == "98.18"
    assert result["grade"] == "优"


def test_export_and_import_work_frozen(dist, tmp_path):
    exe = str(_exe(dist, cli=True))
    env = _env(tmp_path / "home")
    p = subprocess.run([exe, "export", str(SAMPLE), "--xlsx", "输出.xlsx", "--pdf", "输出.pdf"],
                       cwd=tmp_path, env=env, capture_output=True, timeout=180)
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")
    assert (tmp_path / "输出.xlsx").stat().st_size > 1000
    assert (tmp_path / "输出.pdf").read_bytes()[:5] == b"%PDF-"
    p = subprocess.run([exe, "import", "输出.xlsx", "-o", "回读.json"], cwd=tmp_path, env=env,
                       capture_output=True, timeout=180)
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")
    assert json.loads((tmp_path / "回读.json").read_text(encoding="utf-8"))["format"] == "ziping-form"


def test_the_command_line_is_built_without_qt_and_never_opens_the_window(dist, tmp_path):
    cli = _exe(dist, cli=True)
    if cli == _exe(dist):
        pytest.skip("this build has no separate command line (Linux without ZIPING_CLI_EXE=1)")
    env = _env(tmp_path / "home")
    p = subprocess.run([str(cli)], cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert p.returncode == 2 and "请指定命令" in p.stderr.decode("utf-8")
    p = subprocess.run([str(cli), "scor"], cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert p.returncode == 2 and f"用法见 {cli.name} --help" in p.stderr.decode("utf-8")
    p = subprocess.run([str(cli), "score", "--help"], cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert p.returncode == 0 and f"用法：{cli.name} score" in p.stdout.decode("utf-8")
    if sys.platform.startswith("linux"):                # the libraries score maps while it runs
        import re
        proc = subprocess.Popen([str(cli), "score", str(SAMPLE)], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        maps = ""
        while proc.poll() is None:
            try:
                maps += Path(f"/proc/{proc.pid}/maps").read_text(errors="replace")
            except OSError:
                break
        proc.communicate(timeout=120)
        assert proc.returncode == 0
        assert not re.search(r"libQt6|shiboken6|pyside6", maps, re.I)


def test_bad_input_is_one_chinese_line(dist, tmp_path):
    p = subprocess.run([str(_exe(dist, cli=True)), "score", "没有这个文件.json"], cwd=tmp_path,
                       env=_env(tmp_path / "home"), capture_output=True, timeout=120)
    assert p.returncode == 2
    err = p.stderr.decode("utf-8").strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def _run_window(exe: Path, args: list[str], cwd: Path, env: dict, seconds: float = 5) -> None:
    proc = subprocess.Popen([str(exe), *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        time.sleep(seconds)
        alive = proc.poll() is None
    finally:
        proc.kill()
        out, err = proc.communicate(timeout=60)
    assert alive, f"exited with {proc.returncode}: {err.decode('utf-8', 'replace')[-3000:]}"


def test_window_starts_offscreen(dist, tmp_path):
    db = tmp_path / "x.db"
    _run_window(_exe(dist), ["--db", str(db)], tmp_path, _env(tmp_path / "home"))
    assert db.is_file()


def test_portable_mode_frozen(dist, tmp_path):
    """portable.txt beside the exe: the store and backups go to data/ beside it, nothing to HOME."""
    app = tmp_path / "U盘" / "ziping"
    shutil.copytree(dist, app, symlinks=True)
    (app / "portable.txt").write_text("", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    _run_window(_exe(app), [], tmp_path, _env(home))
    assert (app / "data" / "ziping.db").is_file()
    assert list((app / "data" / "backups").glob("ziping-*.db"))
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []
