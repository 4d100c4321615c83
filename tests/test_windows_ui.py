"""Windows hardening on the UI side, tested here: the windowed exe given a command (no stdout or
stderr), faulthandler and lost streams going to the log, the one-time warning for a store in a
synced folder or on a network path (core.store.locations)."""
from __future__ import annotations

import faulthandler
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

import main
from core.store.locations import is_network_path, location_warning, sync_service
from tests.helpers import SAMPLES
from ui import app as app_mod
from ui import common
from ui.settings import Settings

SEED004 = SAMPLES / "seed004-wangcheng-2020-dept.json"
ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------------------------
# ziping.exe score x.json: the windowed exe has sys.stdout = sys.stderr = None

@pytest.mark.parametrize("argv", [["score", str(SEED004)], ["export", "x.json", "--pdf", "x.pdf"], ["--help"],
                                  ["score", "没有这个文件.json"]])
def test_a_command_to_the_windowed_exe_points_to_ziping_cli(monkeypatch, argv):
    shown = []
    monkeypatch.setattr(main, "show_cli_hint", lambda message=main.CLI_HINT: shown.append(message))
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    assert main.main(argv) == 2
    assert len(shown) == 1 and "ziping-cli.exe" in shown[0] and "score" in shown[0]


def test_the_hint_box_itself_never_raises(monkeypatch, qapp):
    seen = []
    monkeypatch.setattr(common, "show_info", lambda parent, message, title="": seen.append((title, message)))
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    assert main.main(["score", str(SEED004)]) == 2
    assert seen and "ziping-cli.exe" in seen[0][0] + seen[0][1]


def test_in_a_real_process_without_streams_nothing_is_printed_and_no_traceback(tmp_path):
    """python -c with both streams None, as pythonw / a windowed PyInstaller exe runs."""
    code = ("import sys; sys.stdout = sys.stderr = None\n"
            "import main\n"
            "main.show_cli_hint = lambda message=main.CLI_HINT: open(sys.argv[1], 'w', encoding='utf-8').write(message)\n"
            "sys.exit(main.main(['score', sys.argv[2]]))\n")
    out = tmp_path / "hint.txt"
    r = subprocess.run([sys.executable, "-c", code, str(out), str(SEED004)], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stdout == "" and r.stderr == ""
    assert "ziping-cli.exe" in out.read_text(encoding="utf-8")


def test_with_a_console_the_command_runs_as_before(capsys):
    assert main.main(["score", str(SEED004)]) == 0
    assert '"total": "98.18"' in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# The log: lost streams, faulthandler

@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "ziping.log"
    log = logging.getLogger("ziping")
    before = list(log.handlers), log.level
    common.setup_logging(str(path))
    yield path
    for h in log.handlers[:]:
        if h not in before[0]:
            log.removeHandler(h)
            h.close()
    log.setLevel(before[1])


def test_what_is_printed_without_streams_goes_to_the_log(monkeypatch, log_file):
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    common.route_lost_streams()
    print("ziping: 本地服务未能启动（测试），再次启动时不能切换到本窗口。", file=sys.stderr)
    sys.stderr.flush()
    assert "本地服务未能启动" in log_file.read_text(encoding="utf-8")
    assert "WARNING" in log_file.read_text(encoding="utf-8")


def test_faulthandler_writes_to_this_starts_crash_record(log_file):
    was = faulthandler.is_enabled()
    try:
        assert common.enable_faulthandler(str(log_file))
        assert faulthandler.is_enabled()
        record = common.crash_file_path
        assert record.parent == log_file.parent / "crash" and record.name.startswith("ziping-crash-")
        faulthandler.dump_traceback(file=common._fault_file)      # what a crash would write
        common._fault_file.flush()
        assert "test_faulthandler_writes_to_this_starts_crash_record" in record.read_text(encoding="utf-8")
    finally:
        faulthandler.disable()
        if was:
            faulthandler.enable()


ENV_OFFSCREEN = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"}


def test_a_native_crash_leaves_its_stack_in_a_crash_record_named_at_the_next_start(tmp_path):
    log = tmp_path / "ziping.log"
    code = ("import sys, ctypes; from ui import common\n"
            "common.setup_logging(sys.argv[1]); common.enable_faulthandler(sys.argv[1])\n"
            "sys.stdout = sys.stderr = None\n"
            "import faulthandler; faulthandler._sigsegv()\n")
    r = subprocess.run([sys.executable, "-c", code, str(log)], cwd=ROOT, capture_output=True, timeout=120,
                       env=ENV_OFFSCREEN)
    assert r.returncode != 0
    records = list((tmp_path / "crash").glob("ziping-crash-*.log"))
    assert len(records) == 1
    text = records[0].read_text(encoding="utf-8", errors="replace")
    assert ("Fatal Python error" in text or "fatal exception" in text) and "File" in text
    # the next start says where the record of the crash is, and keeps it
    start = ("import sys; from ui import common\n"
             "common.setup_logging(sys.argv[1]); common.enable_faulthandler(sys.argv[1])\n")
    r = subprocess.run([sys.executable, "-c", start, str(log)], cwd=ROOT, capture_output=True, timeout=120,
                       env=ENV_OFFSCREEN)
    assert r.returncode == 0, r.stderr
    assert records[0].exists() and str(records[0]) in log.read_text(encoding="utf-8")


def test_a_clean_exit_removes_its_crash_record_even_after_handled_exceptions(tmp_path):
    """On Windows faulthandler also writes exceptions the program survived (a COM call refused
    during input: "Windows fatal exception: code 0x8001010d"); a start that ends normally had no
    crash, so its record goes and the main log says one plain line."""
    log = tmp_path / "ziping.log"
    code = ("import sys; from ui import common\n"
            "common.setup_logging(sys.argv[1]); common.enable_faulthandler(sys.argv[1])\n"
            "common._fault_file.write('Windows fatal exception: code 0x8001010d\\n'); common._fault_file.flush()\n")
    r = subprocess.run([sys.executable, "-c", code, str(log)], cwd=ROOT, capture_output=True, timeout=120,
                       env=ENV_OFFSCREEN)
    assert r.returncode == 0, r.stderr
    assert list((tmp_path / "crash").glob("*.log")) == []
    text = log.read_text(encoding="utf-8")
    assert "不是崩溃" in text and "fatal" not in text


def test_crash_records_are_kept_ten_at_most(tmp_path):
    log = tmp_path / "ziping.log"
    folder = tmp_path / "crash"
    folder.mkdir()
    dead = 2 ** 22 + 12345                       # above Linux's largest pid: no such process
    for i in range(15):
        (folder / f"ziping-crash-20260101-0000{i:02d}-{dead}.log").write_text("Fatal Python error", encoding="utf-8")
    (folder / f"ziping-crash-20260102-000000-{dead}.log").write_text("", encoding="utf-8")   # killed: empty
    code = ("import sys; from ui import common\n"
            "common.setup_logging(sys.argv[1]); common.enable_faulthandler(sys.argv[1])\n"
            "print(len(list(common.crash_dir(sys.argv[1]).glob('*.log'))))\n")
    r = subprocess.run([sys.executable, "-c", code, str(log)], cwd=ROOT, capture_output=True, text=True,
                       timeout=120, env=ENV_OFFSCREEN)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["10"]                        # nine earlier ones and this start's
    assert len(list(folder.glob("*.log"))) == 9             # this start's went at its clean exit


def _log_lines(log_path, n: int) -> None:
    """n lines through the program's log set up on ``log_path``; the handler taken away after."""
    logger = logging.getLogger("ziping")
    before = list(logger.handlers), logger.level
    common.setup_logging(str(log_path))
    try:
        for i in range(n):
            logger.info("一行日志 %d %s", i, "x" * 40)
    finally:
        for h in logger.handlers[:]:
            if h not in before[0]:
                logger.removeHandler(h)
                h.close()
        logger.setLevel(before[1])


def test_a_log_another_window_holds_is_not_rotated_and_nothing_is_lost(tmp_path, monkeypatch):
    """Windows refuses to rename a file another process has open: the rotation waits and the
    records go on being written; the older logs are left as they are."""
    log_path = tmp_path / "ziping.log"
    for i in (1, 2, 3):
        (tmp_path / f"ziping.log.{i}").write_text(f"旧日志 {i}\n", encoding="utf-8")
    monkeypatch.setattr(common, "LOG_MAX_BYTES", 2000)
    real = os.replace

    def held(src, dst):
        if os.fspath(src) == str(log_path):
            raise PermissionError(13, "The process cannot access the file", str(src))
        return real(src, dst)
    monkeypatch.setattr(os, "replace", held)
    _log_lines(log_path, 100)
    text = log_path.read_text(encoding="utf-8")
    assert all(f"一行日志 {i} " in text for i in range(100))
    assert [(tmp_path / f"ziping.log.{i}").read_text(encoding="utf-8") for i in (1, 2, 3)] == \
        ["旧日志 1\n", "旧日志 2\n", "旧日志 3\n"]


def test_a_running_windows_record_is_not_taken_for_a_crash(tmp_path):
    """A second start while a window runs (a file handed over, a read-only window) sees that
    window's record: it is its own, not a crash."""
    log = tmp_path / "ziping.log"
    folder = tmp_path / "crash"
    folder.mkdir()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        record = folder / f"ziping-crash-20260101-000000-{alive.pid}.log"
        record.write_text("Windows fatal exception: code 0x8001010d", encoding="utf-8")
        code = ("import sys; from ui import common\n"
                "common.setup_logging(sys.argv[1]); common.enable_faulthandler(sys.argv[1])\n")
        r = subprocess.run([sys.executable, "-c", code, str(log)], cwd=ROOT, capture_output=True, timeout=120,
                           env=ENV_OFFSCREEN)
        assert r.returncode == 0, r.stderr
        assert record.exists() and "异常结束" not in log.read_text(encoding="utf-8")
    finally:
        alive.kill()
        alive.wait()


def test_the_main_log_is_rotated(tmp_path, monkeypatch):
    log_path = tmp_path / "ziping.log"
    monkeypatch.setattr(common, "LOG_MAX_BYTES", 2000)
    _log_lines(log_path, 200)
    files = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ziping.log"))
    assert files == ["ziping.log", "ziping.log.1", "ziping.log.2", "ziping.log.3"]
    assert all((tmp_path / f).stat().st_size <= 2100 for f in files)


# ---------------------------------------------------------------------------------------------
# Synced folders and network paths

@pytest.mark.parametrize("env, path, service", [
    ({"OneDrive": r"C:\Users\张三\OneDrive"}, r"C:\Users\张三\OneDrive\文档\ziping\ziping.db", "OneDrive"),
    ({"OneDriveCommercial": r"C:\Users\zs\OneDrive - 长沙市财政局"},
     r"c:\users\ZS\onedrive - 长沙市财政局\Desktop\data\ziping.db", "OneDrive"),
    ({"OneDrive": r"D:\云\个人"}, r"D:\云\个人\ziping\ziping.db", "OneDrive"),   # any folder the variable names
    ({}, r"C:\Users\zs\OneDrive - Contoso\ziping.db", "OneDrive"),
    ({}, r"C:\Users\zs\WPSDrive\123456\WPS云盘\ziping\data\ziping.db", "WPS云盘"),
    ({}, r"C:\Users\zs\Nutstore\zs@example.com\ziping.db", "坚果云"),
    ({}, r"D:\我的坚果云\表\ziping.db", "坚果云"),
    ({}, r"D:\BaiduSyncdisk\ziping\ziping.db", "百度网盘"),
    ({}, r"D:\BaiduNetdiskWorkspace\ziping.db", "百度网盘"),
    ({}, "/home/zs/Dropbox/ziping.db", "Dropbox"),
    ({}, r"C:\Users\zs\WeDrive\长沙市财政局\绩效\ziping.db", "企业微信微盘"),
    ({}, r"D:\企业微信微盘\ziping.db", "企业微信微盘"),
    ({}, r"C:\Users\zs\Documents\微云同步盘\ziping.db", "腾讯微云"),
    ({}, r"E:\阿里云盘\备份\ziping.db", "阿里云盘"),
    ({}, r"C:\Users\zs\DingDrive\ziping.db", "钉钉钉盘"),
    ({}, r"D:\天翼云盘同步盘\ziping.db", "天翼云盘"),
    ({"OneDrive": r"C:\Users\张三\OneDrive"}, r"C:\Users\张三\AppData\Local\ziping\ziping.db", ""),
    ({"OneDrive": r"C:\Users\张三\OneDrive"}, r"C:\Users\张三\OneDriveBackup\ziping.db", ""),
    ({}, r"C:\Users\zs\AppData\Local\ziping\ziping.db", ""),
])
def test_sync_service(env, path, service):
    assert sync_service(path, env) == service


@pytest.mark.parametrize("path, remote", [
    (r"\\server\share\子目录\表单库.db", True),
    ("//server/share/ziping.db", True),
    (r"\\?\UNC\server\share\ziping.db", True),
    (r"\\?\C:\Users\zs\ziping.db", False),
    (r"C:\Users\zs\ziping.db", False),
    ("/home/zs/ziping.db", False),
])
def test_network_paths(path, remote):
    assert is_network_path(path, drive_type=lambda d: 3) is remote


def test_a_mapped_network_drive():
    assert is_network_path(r"Z:\财务\ziping.db", drive_type=lambda d: 4 if d == "Z:\\" else 3)
    assert not is_network_path(r"C:\财务\ziping.db", drive_type=lambda d: 4 if d == "Z:\\" else 3)


def test_the_warning_says_what_to_do():
    msg = location_warning(r"C:\Users\zs\OneDrive\ziping\ziping.db", {})
    assert "OneDrive" in msg and "建议" in msg and r"C:\Users\zs\OneDrive\ziping" in msg
    msg = location_warning(r"\\server\share\子目录\表单库.db", {})
    assert "网络" in msg and "建议" in msg
    assert location_warning(r"C:\Users\zs\AppData\Local\ziping\ziping.db", {}) == ""


def test_the_window_warns_once_per_store(monkeypatch, tmp_path, qapp):
    onedrive = tmp_path / "OneDrive - 单位"
    store = onedrive / "数据" / "ziping.db"
    monkeypatch.setenv("OneDriveCommercial", str(onedrive))
    shown = []
    monkeypatch.setattr(common, "show_warning", lambda parent, msg, title="": shown.append(msg))
    s = Settings(tmp_path / "ziping.ini")
    assert "OneDrive" in app_mod.warn_about_location(None, store, s)
    assert len(shown) == 1 and "OneDrive" in shown[0]
    assert app_mod.warn_about_location(None, store, Settings(tmp_path / "ziping.ini")) == ""
    assert len(shown) == 1
    # Another store in a synced folder is warned about again.
    monkeypatch.setenv("OneDrive", str(tmp_path / "个人OneDrive"))
    assert app_mod.warn_about_location(None, tmp_path / "个人OneDrive" / "ziping.db", s)
    assert len(shown) == 2
    # A local store: nothing.
    monkeypatch.delenv("OneDrive")
    monkeypatch.delenv("OneDriveCommercial")
    assert app_mod.warn_about_location(None, tmp_path / "local" / "ziping.db", s) == ""
    assert len(shown) == 2
