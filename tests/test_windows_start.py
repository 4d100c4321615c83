"""How the Windows programs are started: files dropped on ziping.exe (or opened with it) open in
the window — a .db as the store, forms and workbooks imported, into the window already open on the
store when there is one; the command line names itself as it was started and writes its JSON to a
file with ``-o`` (PowerShell 5.1's ``>`` would write UTF-16); an export over a read-only file says
so instead of blaming Excel."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

import main
from core.export import export_form
from core.files import WriteError
from core.form import load
from tests.helpers import ROOT, SAMPLES

SEED004 = SAMPLES / "seed004-wangcheng-2020-dept.json"
ENV = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8", QT_QPA_PLATFORM="offscreen")


@pytest.mark.parametrize("argv", [["表单.json"], ["C:\\报送\\自评表.XLSX"], ["D:\\ziping\\表单库.db"],
                                  ["a.json", "b.xlsx", "c.json"], ["--db", "x.db", "a.json"]])
def test_files_dropped_on_the_program_go_to_the_window(argv):
    assert main.for_the_window(argv)


@pytest.mark.parametrize("argv", [["score", "a.json"], ["a.json", "score"], ["说明.txt"], ["a.json", "--bogus"],
                                  ["--db"]])
def test_anything_else_goes_to_the_command_line(argv):
    assert not main.for_the_window(argv)


def test_any_existing_file_dropped_on_the_program_goes_to_the_window(tmp_path):
    """An .xls, a WPS .et or a folder dropped on ziping.exe: the window says why it cannot import
    it, instead of a box about the command line."""
    for name in ("旧表.xls", "表.et"):
        (tmp_path / name).write_bytes(b"\xd0\xcf\x11\xe0")
        assert main.for_the_window([str(tmp_path / name)])
    assert main.for_the_window([str(tmp_path)])
    assert not main.for_the_window([str(tmp_path / "没有.xls")])


def test_the_window_takes_the_first_store_and_imports_the_rest(tmp_path):
    from ui.app import parse_args
    args = parse_args([str(tmp_path / "甲.db"), "表.json", str(tmp_path / "乙.db"), "簿.xlsx"])
    assert args.db == str(tmp_path / "甲.db")
    assert args.other_stores == [str(tmp_path / "乙.db")]
    assert args.imports == [os.path.abspath("表.json"), os.path.abspath("簿.xlsx")]
    assert parse_args(["--db", "x.db", "a.json"]).db == "x.db"


def test_given_files_are_imported_into_the_window(qtbot, tmp_path, monkeypatch):
    from core.store import Store
    from ui import app as app_mod
    from ui import common
    from ui.main_window import MainWindow
    shown = []
    monkeypatch.setattr(common, "show_info", lambda parent, msg, title="": shown.append(msg))
    monkeypatch.setattr(common, "show_error", lambda parent, msg, title="": shown.append(msg))
    app_mod.make_app()
    store = Store(tmp_path / "forms.db")
    store.set_meta("samples_loaded", True)
    w = MainWindow(store)
    try:
        w.show()
        xlsx = tmp_path / "表.xlsx"
        export_form(load(SEED004), xlsx=xlsx)
        xls = tmp_path / "旧表.xls"
        xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
        app_mod.import_given(w, [str(SEED004), str(xlsx), str(xls)], [str(tmp_path / "别的.db")])
        assert store.count() == 2
        assert any("一次只能打开一个表单库" in m for m in shown)
        assert any("已导入 2 张表" in m and "旧表.xls" in m and "xlsx" in m for m in shown), shown
    finally:
        w.close()
        w.deleteLater()
        qtbot.wait(10)
        store.close()


def test_files_given_to_a_second_start_reach_the_first_window(qtbot, tmp_path, monkeypatch):
    from ui import single_instance
    monkeypatch.setattr(single_instance, "LOCKED_RETRY_S", 0.3)
    store = tmp_path / "ziping.db"
    never = lambda message: pytest.fail(message)        # noqa: E731
    first = single_instance.ensure_single(store, lambda: None, ask=never)
    try:
        got = []
        first.filesRequested.connect(got.append)
        files = [str(tmp_path / "甲 表.json"), str(tmp_path / "乙\t簿.xlsx")]
        assert single_instance.ensure_single(store, ask=never, files=files) is None
        qtbot.waitUntil(lambda: got == [files])
        assert first.take_pending_files() == files and first.take_pending_files() == []
        assert single_instance.ensure_single(store, ask=never) is None     # a plain start: no files
        qtbot.wait(100)
        assert got == [files]
        # a window of an older version, which knows only "activate", still answers such a start
        first.close()
        old = single_instance._Responder([single_instance.server_name(store)])
        old.start()
        assert single_instance._send(single_instance.server_name(store),
                                     "files\t" + json.dumps(files) + "\nactivate")
        old.stop()
    finally:
        first.close()


def run(*args, cwd=None):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          encoding="utf-8", env=ENV, cwd=cwd or ROOT, timeout=120)


def test_score_writes_utf8_json_to_a_file(tmp_path):
    out = tmp_path / "得分.json"
    p = run("score", str(SEED004), "-o", str(out))
    assert p.returncode == 0 and p.stdout == "" and p.stderr == ""
    data = json.loads(out.read_bytes().decode("utf-8"))
    assert data["total"] == "98.18"
    p = run("score", "--explain", str(SEED004), "-o", str(tmp_path / "说明.txt"))
    assert p.returncode == 0 and "总分" in (tmp_path / "说明.txt").read_text(encoding="utf-8")
    p = run("score", str(SEED004), "-o", str(tmp_path / "没有这个文件夹" / "x.json"))
    assert p.returncode == 2 and "不存在" in p.stderr and "\n" not in p.stderr.strip()


def test_the_command_line_names_itself_as_it_was_started(monkeypatch):
    from core.cli import commands
    monkeypatch.setattr(sys, "argv", ["main.py"])
    assert commands.program_name() == "python main.py"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "C:\\ziping\\ziping-cli.exe")
    assert commands.program_name() == os.path.basename("C:\\ziping\\ziping-cli.exe")
    assert commands.build_parser().prog == commands.program_name()
    assert main.is_cli_exe() == (os.path.basename(sys.executable).lower().startswith("ziping-cli"))
    assert "ziping-cli" in commands._unknown_command("scor")


def test_the_frozen_command_line_never_opens_the_window(monkeypatch, capsys):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", os.path.join("dist", "ziping", "ziping-cli"))
    assert main.is_cli_exe()
    assert main.main([]) == 2                            # no window: it asks for a command
    assert "请指定命令" in capsys.readouterr().err
    assert main.main([str(SEED004)]) == 2                # a file: not imported into a window either
    assert "未知的命令" in capsys.readouterr().err


def test_an_export_over_a_read_only_file_says_it_is_read_only(tmp_path):
    target = tmp_path / "自评表.xlsx"
    target.write_bytes(b"old")
    os.chmod(target, stat.S_IREAD)                       # Windows: the 只读 attribute
    try:
        with pytest.raises(WriteError) as err:
            export_form(load(SEED004), xlsx=target)
        assert "只读" in str(err.value) and "Excel" not in str(err.value)
        assert target.read_bytes() == b"old"
        p = run("export", str(SEED004), "--xlsx", str(target))
        assert p.returncode == 2 and "只读" in p.stderr
    finally:
        os.chmod(target, stat.S_IREAD | stat.S_IWRITE)


def test_a_denied_replace_of_a_read_only_file_is_explained_as_read_only(tmp_path):
    """What Windows answers when the file turned read-only after the check: access denied
    (WinError 5), which alone would read as a file held by Excel."""
    from core.files import atomic
    target = tmp_path / "自评表.pdf"
    target.write_bytes(b"old")
    os.chmod(target, stat.S_IREAD)
    try:
        e = PermissionError(13, "Access is denied", str(target))
        e.winerror = 5
        assert "只读" in atomic.explain(e, target)
    finally:
        os.chmod(target, stat.S_IREAD | stat.S_IWRITE)
