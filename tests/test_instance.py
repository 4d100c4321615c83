"""One writer per store: the OS lock (core.store.instance) and the single-instance handshake
(ui.single_instance)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from core.store import instance
from core.store import Store

ROOT = Path(__file__).resolve().parent.parent

HOLDER = textwrap.dedent("""
    import sys, time
    from core.store import acquire_lock
    lock = acquire_lock(sys.argv[1])
    print("locked" if lock else "busy", flush=True)
    time.sleep(600)
""")

TRY = textwrap.dedent("""
    import sys
    from core.store import acquire_lock
    lock = acquire_lock(sys.argv[1])
    print("got" if lock else "none", flush=True)
""")


def _env() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    return env


def _start(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8")


def _first_line(proc: subprocess.Popen, timeout: float = 60) -> str:
    # readline blocks; the child prints its first line within a second or two.
    start = time.monotonic()
    line = proc.stdout.readline().strip()
    assert time.monotonic() - start < timeout
    if not line:
        raise AssertionError(proc.stderr.read())
    return line


def _try_in_other_process(store: Path) -> str:
    p = subprocess.run([sys.executable, "-c", TRY, str(store)], cwd=ROOT, env=_env(),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


@pytest.fixture
def holder(tmp_path):
    store = tmp_path / "表单库" / "ziping.db"
    Store(store).close()
    proc = _start(HOLDER, str(store))
    try:
        assert _first_line(proc) == "locked"
        yield store, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()


# ---------------------------------------------------------------------------------------------
# core.store.instance

def test_lock_held_by_another_process_then_freed_by_sigkill(holder):
    store, proc = holder
    # Another process cannot take it, nor can this one.
    assert _try_in_other_process(store) == "none"
    assert instance.acquire(store) is None
    assert instance.is_locked(store)
    info = instance.holder_info(store)
    assert info.get("pid") == str(proc.pid)
    # The holder dies without any chance to clean up: the OS drops the lock.
    proc.kill()     # SIGKILL on Unix, TerminateProcess on Windows
    proc.wait(timeout=30)
    lock = instance.acquire(store)
    assert lock is not None and lock.held
    assert _try_in_other_process(store) == "none"
    lock.release()
    assert not lock.held
    assert _try_in_other_process(store) == "got"


def test_lock_in_one_process(tmp_path):
    store = tmp_path / "ziping.db"
    first = instance.acquire(store)
    assert first is not None
    assert first.path.name == "ziping.db.lock" and first.path == instance.lock_path(store)
    assert os.path.samefile(first.path.parent, tmp_path)      # beside the store (its real path)
    assert first.path.is_file()
    assert instance.acquire(store) is None            # a second open file in the same process
    assert instance.acquire(str(tmp_path / "." / "ziping.db")) is None
    first.release()
    first.release()                                   # harmless twice
    with instance.acquire(store) as again:
        assert again is not None
        assert instance.acquire(store) is None
    second = instance.acquire(store)
    assert second is not None
    second.release()


def test_lock_released_when_the_object_goes(tmp_path):
    store = tmp_path / "ziping.db"
    lock = instance.acquire(store)
    assert lock is not None
    del lock
    import gc
    gc.collect()
    again = instance.acquire(store)
    assert again is not None
    again.release()


def test_lock_file_cannot_be_made(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(instance.LockError) as err:
        instance.acquire(blocker / "ziping.db")
    assert "锁文件" in str(err.value)


@pytest.mark.skipif(not hasattr(os, "link"), reason="no hard links")
def test_a_hard_link_or_a_symlink_to_the_store_has_the_same_lock(holder, tmp_path):
    """Before: the lock was keyed on the path, so a start through a hard link opened as a second
    writer; SQLite then kept a WAL per path and that window's acknowledged edits vanished."""
    store, _proc = holder
    elsewhere = tmp_path / "别的文件夹"
    elsewhere.mkdir()
    hard = elsewhere / "链接.db"
    os.link(store, hard)
    links = [hard]
    soft = elsewhere / "快捷方式.db"
    try:
        soft.symlink_to(store)
        links.append(soft)
    except OSError:               # Windows without the privilege to make symlinks
        assert sys.platform == "win32"
    for other in links:
        assert instance.acquire(other) is None
        assert _try_in_other_process(other) == "none"


def test_links_in_one_process_and_the_lock_of_a_new_store(tmp_path):
    store = tmp_path / "ziping.db"
    lock = instance.acquire(store)          # a new store: no file yet, only the path is locked
    assert lock is not None and lock.identity is None
    Store(store).close()
    assert lock.bind(store)                  # now the file's identity is locked too
    hard = tmp_path / "hard.db"
    os.link(store, hard)
    assert instance.acquire(hard) is None
    lock.release()
    again = instance.acquire(hard)
    assert again is not None and again.identity == (store.stat().st_dev, store.stat().st_ino)
    assert instance.acquire(store) is None
    again.release()


def test_lock_errors_other_than_held_are_errors():
    import errno
    for code in (errno.EACCES, errno.EAGAIN):
        assert instance.held_or_error(OSError(code, "held")) is True
    for code in (errno.ENOLCK, errno.EINVAL, errno.EIO):   # e.g. a share without byte-range locks
        with pytest.raises(instance.LockError) as err:
            instance.held_or_error(OSError(code, "no locks here"))
        assert "无法锁定表单库" in str(err.value) and "Error" not in str(err.value)


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_a_file_system_that_cannot_lock_is_an_error_not_a_busy_store(tmp_path, monkeypatch):
    import errno
    import fcntl

    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")
    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.raises(instance.LockError):
        instance.acquire(tmp_path / "ziping.db")


# ---------------------------------------------------------------------------------------------
# ui.single_instance

SERVER = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from ui.single_instance import ensure_single
    inst = ensure_single(sys.argv[1], lambda: print("activated", flush=True),
                         ask=lambda message: False)
    print("primary" if inst and not inst.readonly else "other", flush=True)
    QTimer.singleShot(60000, app.quit)
    app.exec()
""")


@pytest.fixture
def fast_retry(monkeypatch):
    from ui import single_instance
    monkeypatch.setattr(single_instance, "LOCKED_RETRY_S", 0.3)
    yield single_instance
    for inst in list(single_instance._ALIVE):
        inst.close()


def _never_ask(message):
    raise AssertionError(f"unexpected question: {message}")


def test_second_start_in_the_same_process_activates_the_first(qtbot, tmp_path, fast_retry):
    ensure_single = fast_retry.ensure_single
    store = tmp_path / "ziping.db"
    activated, messages = [], []
    first = ensure_single(store, lambda: activated.append(True), ask=_never_ask)
    assert first is not None and not first.readonly
    assert first.lock is not None and first.server is not None
    first.messageReceived.connect(messages.append)

    second = ensure_single(store, ask=_never_ask)
    assert second is None                           # refused: the caller exits
    qtbot.waitUntil(lambda: activated == [True])    # passed on to the main thread
    assert messages == ["activate"]

    # The same file spelled differently is the same store.
    assert ensure_single(tmp_path / "sub" / ".." / "ziping.db", ask=_never_ask) is None
    qtbot.waitUntil(lambda: activated == [True, True])

    first.close()
    third = ensure_single(store, ask=_never_ask)    # the first is gone: this one is the writer
    assert third is not None and not third.readonly


def test_second_start_in_another_process_activates_the_first(qtbot, tmp_path, fast_retry):
    store = tmp_path / "ziping.db"
    proc = _start(SERVER, str(store))
    try:
        assert _first_line(proc) == "primary"
        assert fast_retry.ensure_single(store, ask=_never_ask) is None
        assert _first_line(proc) == "activated"
    finally:
        proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    # Killed without cleaning up (its socket file is left behind on Unix): the next start
    # becomes the writer, with no question asked.
    inst = fast_retry.ensure_single(store, ask=_never_ask)
    assert inst is not None and not inst.readonly and inst.server is not None


def test_locked_but_silent_offers_read_only(qtbot, holder, fast_retry):
    store, proc = holder            # holds the lock, runs no server: like a hung first window
    asked = []

    def yes(message):
        asked.append(message)
        return True

    inst = fast_retry.ensure_single(store, ask=yes)
    assert inst is not None and inst.readonly and inst.lock is None
    assert len(asked) == 1
    assert "没有响应" in asked[0] and "只读" in asked[0] and str(store) in asked[0]
    ro = Store(store, readonly=inst.readonly)
    try:
        assert ro.readonly and ro.count() == 0
    finally:
        ro.close()

    assert fast_retry.ensure_single(store, ask=lambda m: False) is None   # 退出


def test_unwritable_folder_offers_read_only(qtbot, tmp_path, fast_retry):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    asked = []
    inst = fast_retry.ensure_single(blocker / "ziping.db", ask=lambda m: asked.append(m) or True)
    assert inst is not None and inst.readonly
    assert "只读" in asked[0]


SLOW_START = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from ui.single_instance import ensure_single
    inst = ensure_single(sys.argv[1], lambda: print("activated", flush=True), ask=lambda m: False)
    print("primary" if inst and not inst.readonly else "other", flush=True)
    time.sleep(4)                 # still starting: checking the store, building the window
    print("started", flush=True)
    QTimer.singleShot(3000, app.quit)
    app.exec()
""")


def test_hand_off_while_the_first_instance_is_still_starting(qtbot, tmp_path, fast_retry):
    """Before: the first window answered only once its event loop ran, after the integrity check,
    the daily backup and the window; a second double-click waited and then offered read-only."""
    store = tmp_path / "ziping.db"
    Store(store).close()
    proc = _start(SLOW_START, str(store))
    try:
        assert _first_line(proc) == "primary"
        t0 = time.monotonic()
        assert fast_retry.ensure_single(store, ask=_never_ask) is None    # handed off, no question
        handed_off_in = time.monotonic() - t0
        assert handed_off_in < 2.0, handed_off_in                         # not after its start-up
        assert _first_line(proc) == "started"        # the first was indeed still starting …
        assert _first_line(proc) == "activated"      # … and comes forward once it has started
        # A hard link to the store reaches the same window.
        hard = tmp_path / "hard.db"
        os.link(store, hard)
        assert fast_retry.ensure_single(hard, ask=_never_ask) is None
        assert _first_line(proc) == "activated"
    finally:
        proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()


def test_server_name_includes_the_windows_session(tmp_path):
    from ui.single_instance import server_name, server_names
    path = tmp_path / "ziping.db"
    assert server_name(path, session="1") != server_name(path, session="2")
    Store(path).close()
    names = server_names(path)
    assert len(names) == 2 and names[-1] == server_name(path)


def test_server_name_is_stable_and_short(tmp_path):
    from ui.single_instance import server_name
    a = server_name(tmp_path / "ziping.db")
    assert a == server_name(str(tmp_path / "x" / ".." / "ziping.db"))
    assert a != server_name(tmp_path / "other.db")
    assert a.startswith("ziping-") and len(a) < 40
