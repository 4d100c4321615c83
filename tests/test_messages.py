"""Every message a user sees from the store, its backups, its lock and the command line is plain
Chinese and names no exception class: each refusal path is walked here and its message checked.
(The import refusals are tested with the importer.)

Before: the store's fallback message carried SQLite's English text, OS errors their English
``strerror`` ("Permission denied"), the CLI "处理失败：…（KeyError）" and argparse's English, and an
unknown command (``main.py packge …``) opened the window.
"""
from __future__ import annotations

import errno
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import core.files.atomic as atomic
import core.store.backups as backups_mod
import core.store.database as store_mod
import core.store.schema as schema_mod
from core.store import instance
from core.files import WriteError, atomic_write_bytes
from core.store import Store, StoreError, recover_from_backup
from tests.helpers import ROOT, SAMPLES

CJK = re.compile(r"[\u4e00-\u9fff]")
EXCEPTION_NAME = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception|Warning|Interrupt)\b|Traceback|Errno|errno")
ALLOWED_WORDS = {"Excel", "WPS", "PDF", "Word", "OneDrive", "Windows", "python", "main", "help", "form",
                 "output", "xlsx", "pdf", "db", "json", "JSON"}
SUMMARY = {"name": "表"}


def assert_plain_chinese(message: str, *names) -> None:
    text = str(message)
    for name in names:                              # paths and file names we put in on purpose
        text = text.replace(str(name), "")
    text = re.sub(r"/[^\s：，。；）」”]*", "", text)       # any other path it names
    assert CJK.search(text), message
    assert not EXCEPTION_NAME.search(text), message
    english = set(re.findall(r"[A-Za-z]{3,}", text)) - ALLOWED_WORDS
    assert not english, (english, message)


def _refusal(fn) -> str:
    with pytest.raises((StoreError, WriteError, instance.LockError)) as err:
        fn()
    return str(err.value)


# ---------------------------------------------------------------- the store

def _store_paths(tmp_path: Path):
    """(label, how to provoke it) for every refusal of the store, its backups and its lock."""
    p = tmp_path / "ziping.db"
    cases = []

    def add(label, posix_only=False):
        def deco(fn):
            if not (posix_only and sys.platform == "win32"):
                cases.append((label, fn))
            return fn
        return deco

    @add("a folder, not a file")
    def _():
        (tmp_path / "文件夹.db").mkdir()
        Store(tmp_path / "文件夹.db")

    @add("read-only, missing")
    def _():
        Store(tmp_path / "没有.db", readonly=True)

    @add("garbage")
    def _():
        g = tmp_path / "垃圾.db"
        g.write_bytes(os.urandom(5000))
        Store(g)

    @add("another program's database")
    def _():
        f = tmp_path / "别人的.db"
        c = sqlite3.connect(f)
        c.execute("CREATE TABLE invoices (id INTEGER)")
        c.commit()
        c.close()
        Store(f)

    @add("a newer version")
    def _():
        n = tmp_path / "新版本.db"
        with Store(n) as s:
            s.conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
                           " VALUES ('ziping', 'm999_future', 'x')")
            s.conn.commit()
        Store(n)

    @add("folder cannot be made")
    def _():
        (tmp_path / "是文件").write_text("x", encoding="utf-8")
        Store(tmp_path / "是文件" / "ziping.db")

    @add("read-only store, a write")
    def _():
        Store(p).close()
        with Store(p, readonly=True) as s:
            s.create({}, SUMMARY)

    @add("closed store")
    def _():
        s = Store(p)
        s.close()
        s.count()

    @add("disk full")
    def _():
        with Store(p) as s:
            pages = s.conn.execute("PRAGMA page_count").fetchone()[0]
            s.conn.execute(f"PRAGMA max_page_count = {pages}")
            s.create({"v": "新" * 200_000}, SUMMARY)

    @add("turned read-only")
    def _():
        with Store(p) as s:
            s.conn.execute("PRAGMA query_only = 1")
            s.create({}, SUMMARY)

    @add("busy")
    def _():
        with Store(p) as s:
            other = sqlite3.connect(p)
            other.execute("BEGIN IMMEDIATE")
            old, schema_mod.BUSY_TIMEOUT = schema_mod.BUSY_TIMEOUT, 0.1
            try:
                s.conn.execute("PRAGMA busy_timeout = 100")
                s.create({}, SUMMARY)
            finally:
                schema_mod.BUSY_TIMEOUT = old
                other.rollback()
                other.close()

    @add("an SQLite error nobody foresaw")
    def _():
        with Store(p) as s:
            raise s._translate(sqlite3.OperationalError("weird internal thing"), "修改未能保存")

    @add("broken form text")
    def _():
        with Store(p) as s:
            fid = s.create({}, SUMMARY)
            s.conn.execute("UPDATE forms SET data = '{broken' WHERE id = ?", (fid,))
            s.conn.commit()
            s.get(fid)

    @add("backup onto itself")
    def _():
        with Store(p) as s:
            s.backup_to(p)

    @add("backup folder is a file")
    def _():
        with Store(p) as s:
            (tmp_path / "备份").write_text("x", encoding="utf-8")
            s.daily_backup(tmp_path / "备份")

    @add("backup folder not writable")
    def _():
        with Store(p) as s:
            def denied(src, dst):
                raise PermissionError(errno.EACCES, "Permission denied", str(dst))
            real, atomic.replace = atomic.replace, denied
            try:
                s.daily_backup(tmp_path / "新备份")
            finally:
                atomic.replace = real

    @add("no good backup")
    def _():
        Store(p).close()
        recover_from_backup(p)

    @add("a chosen backup that is bad")
    def _():
        bad = tmp_path / "坏备份.db"
        bad.write_bytes(b"nope")
        recover_from_backup(p, bad)

    @add("disk full while restoring")
    def _():
        with Store(p) as s:
            good = s.backup_to(tmp_path / "好备份.db")

        def full(source, dest):
            raise OSError(errno.ENOSPC, "No space left on device")
        real, backups_mod._write_backup = backups_mod._write_backup, full
        try:
            recover_from_backup(p, good)
        finally:
            backups_mod._write_backup = real

    # Windows refuses to replace a file SQLite holds open (WinError 5): the case cannot happen there.
    @add("the file replaced while running", posix_only=True)
    def _():
        s = Store(p)
        try:
            other = tmp_path / "替身.db"
            Store(other).close()
            os.replace(other, p)
            s.create({}, SUMMARY)
        finally:
            s.close()

    @add("saving to a new store over an existing file")
    def _():
        with Store(p) as s:
            s.salvage_to(p)

    @add("lock file cannot be made")
    def _():
        (tmp_path / "锁").write_text("x", encoding="utf-8")
        instance.acquire(tmp_path / "锁" / "ziping.db")

    @add("locking not supported")
    def _():
        instance.held_or_error(OSError(errno.ENOLCK, "No locks available"))

    @add("a file held by another program (PDF)")
    def _():
        def held(src, dst):
            e = PermissionError(errno.EACCES, "The process cannot access the file", str(dst))
            e.winerror = 32
            raise e
        target = tmp_path / "自评表.pdf"
        target.write_bytes(b"%PDF old")
        real, atomic.os.replace = atomic.os.replace, held
        old_wait, atomic.SHARING_RETRY_SECONDS = atomic.SHARING_RETRY_SECONDS, 0.1
        try:
            atomic_write_bytes(target, b"%PDF new")
        finally:
            atomic.os.replace = real
            atomic.SHARING_RETRY_SECONDS = old_wait

    return cases


def test_every_store_refusal_is_plain_chinese(tmp_path):
    cases = _store_paths(tmp_path)
    assert len(cases) >= (23 if sys.platform == "win32" else 24)
    seen = {}
    for i, (label, provoke) in enumerate(cases):
        folder = tmp_path / f"case{i}"
        folder.mkdir()
        cases_here = dict(_store_paths(folder))
        message = _refusal(cases_here[label])
        assert_plain_chinese(message, folder, tmp_path)
        seen[label] = message
    assert "文件正被其他程序使用" in seen["a file held by another program (PDF)"]
    assert "PDF" in seen["a file held by another program (PDF)"]
    assert "Excel" not in seen["a file held by another program (PDF)"]
    if sys.platform != "win32":
        assert "替换" in seen["the file replaced while running"]


# ---------------------------------------------------------------- the command line

def _cli(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "main.py", *args], cwd=cwd, env=env, capture_output=True,
                          timeout=120, encoding="utf-8")


def test_an_unknown_command_exits_2_and_lists_the_commands():
    r = _cli("packge", "表单.json")
    assert r.returncode == 2
    assert "未知的命令“packge”" in r.stderr and "score" in r.stderr and "export" in r.stderr
    assert_plain_chinese(r.stderr, "packge", "score", "export", "import", "package")


def test_every_cli_refusal_is_plain_chinese(tmp_path):
    sample = SAMPLES / "seed004-wangcheng-2020-dept.json"
    bad_json = tmp_path / "坏.json"
    bad_json.write_text("{not json", encoding="utf-8")
    cases = [
        ("score",),                                        # a required argument missing
        ("import", "a.xlsx"),                              # -o missing
        ("export", str(sample), "--bogus"),                # an unknown option
        ("export", str(sample), "--xlsx"),                 # an option without its value
        ("export", str(sample)),                           # nothing to write
        ("score", str(tmp_path / "没有.json")),             # no such file
        ("score", str(bad_json)),                          # not a form file
        ("export", str(sample), "--pdf", str(tmp_path / "没有" / "a.pdf")),   # no such folder
        ("score", str(tmp_path)),                          # a folder
    ]
    for args in cases:
        r = _cli(*args)
        assert r.returncode == 2, (args, r.stderr)
        line = r.stderr.strip()
        assert "\n" not in line, (args, line)
        assert_plain_chinese(line, tmp_path, sample, *args)


def test_an_unforeseen_failure_is_one_plain_line(monkeypatch, capsys):
    from core.cli import commands as cli

    def boom(args):
        raise KeyError("templates")
    monkeypatch.setattr(cli, "cmd_score", boom)
    assert cli.run(["score", "x.json"]) == 2
    err = capsys.readouterr().err
    assert_plain_chinese(err)

    def os_boom(args):
        raise OSError(errno.EIO, "Input/output error", "x.json")
    monkeypatch.setattr(cli, "cmd_score", os_boom)
    assert cli.run(["score", "x.json"]) == 2
    err = capsys.readouterr().err
    assert "磁盘读写出错" in err
    assert_plain_chinese(err, "x.json")
