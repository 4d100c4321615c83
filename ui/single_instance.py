"""One window per store: a second start on the same store brings the first window forward.

Call once at start-up, after the QApplication exists and before the store is opened:

    instance = ensure_single(store_path)            # or ensure_single(store_path, callback)
    if instance is None:
        return 0                                    # the other window was brought forward,
                                                    # or the user chose not to open
    store = Store(store_path, readonly=instance.readonly)
    ...
    instance.set_activate_callback(window_raiser)   # optional; the default raises the main window

How: the first start takes the store's OS lock (core.store.instance) and at once listens on a QLocalServer
in a thread of its own, so it answers even while its main thread is still starting (opening and
checking the store, building the window). The server's name is a hash of the user, the Windows
session (two Remote Desktop sessions of one user are two desktops) and the store file — its
identity (device + inode) and its real path, so a link to the store finds it too. A later start
on the same store connects and sends "activate"; the first answers "ok" at once and raises its
window as soon as its main thread is free; the later one exits. If
nobody answers but the lock is held (the first window hangs, or another user on the same PC has the
store open), the user is told so and may open the store read-only. The lock goes with the process,
so a crash never leaves the store blocked.
"""
from __future__ import annotations

import atexit
import getpass
import hashlib
import json
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QByteArray, QEventLoop, QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QWidget

from core.store import LockError, StoreLock, acquire_lock, holder_info

__all__ = ["SingleInstance", "ensure_single", "server_name", "raise_main_window",
           "ACTIVATE", "REPLY_OK"]

log = logging.getLogger("ziping")

ACTIVATE = "activate"
FILES = "files"                # "files<TAB>[json list]" before "activate": files to import there
REPLY_OK = "ok"
CONNECT_TIMEOUT_MS = 1000      # one attempt to reach the first window
REPLY_TIMEOUT_MS = 3000        # the first window may be busy for a moment (e.g. saving)
LOCKED_RETRY_S = 2.0           # the first window may still be starting up: keep trying this long
MAX_MESSAGE = 256 * 1024       # "activate" and the files handed over (a few hundred paths)


def _normalized(store_path: str | os.PathLike) -> str:
    path = os.path.abspath(os.path.expanduser(os.fspath(store_path)))
    try:
        path = os.path.realpath(path)
    except OSError:
        pass
    if sys.platform == "win32":
        path = os.path.normcase(path)   # Windows paths are case-insensitive
    return path


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return os.environ.get("USERNAME") or os.environ.get("USER") or ""


def _session() -> str:
    """The Windows session id (Remote Desktop: each session is its own desktop); "" elsewhere."""
    if sys.platform != "win32":
        return ""
    try:
        import ctypes
        from ctypes import wintypes
        sid = wintypes.DWORD()
        if ctypes.windll.kernel32.ProcessIdToSessionId(os.getpid(), ctypes.byref(sid)):
            return str(sid.value)
    except Exception:           # noqa: BLE001 - then the user name alone must do
        pass
    return ""


def _name(key: str, session: str | None = None) -> str:
    full = f"{_user()}\n{_session() if session is None else session}\n{key}".encode("utf-8", "surrogatepass")
    return "ziping-" + hashlib.sha256(full).hexdigest()[:24]


def server_name(store_path: str | os.PathLike, session: str | None = None) -> str:
    """The local server's name for a store path: stable for the same file however it is spelled
    (symlinks resolved), different per user and per Windows session, short enough for a Unix
    socket path."""
    return _name(_normalized(store_path), session)


def server_names(store_path: str | os.PathLike, session: str | None = None) -> list[str]:
    """Every name a store's window listens on: by the file's identity (when it exists, so a hard
    link finds it) and by its real path."""
    from core.store import file_identity
    names = []
    identity = file_identity(_normalized(store_path))
    if identity is not None:
        names.append(_name(f"id:{identity[0]}:{identity[1]}", session))
    names.append(server_name(store_path, session))
    return names


def raise_main_window() -> None:
    """Bring the app's main window (or any visible top-level window) to the front."""
    app = QApplication.instance()
    if app is None:
        return
    windows = [w for w in QApplication.topLevelWidgets() if w.isWindow() and not w.isHidden()]
    main = [w for w in windows if isinstance(w, QMainWindow)]
    target: QWidget | None = (main or windows or [None])[0]
    if target is None:
        return
    # A dialog open over the main window should come forward with it.
    modal = QApplication.activeModalWidget()
    if target.isMinimized():
        target.setWindowState((target.windowState() & ~Qt.WindowState.WindowMinimized)
                              | Qt.WindowState.WindowActive)
        target.showNormal()
    target.show()
    target.raise_()
    target.activateWindow()
    if modal is not None and modal is not target:
        modal.raise_()
        modal.activateWindow()


def _allow_foreground() -> None:
    """Windows only lets the foreground process hand the foreground to another process: the
    second start (just launched by the user, so in front) allows the first to come forward."""
    if sys.platform != "win32":
        return
    try:
        import ctypes
        ctypes.windll.user32.AllowSetForegroundWindow(-1)   # ASFW_ANY
    except Exception:
        pass


def _send(name: str, message: str, connect_ms: int = CONNECT_TIMEOUT_MS,
          reply_ms: int = REPLY_TIMEOUT_MS) -> bool:
    """Send one line to the server `name`; True when it answered "ok". Runs a local event loop
    (not waitFor…), so it also works when the server lives in this very thread."""
    socket = QLocalSocket()
    loop = QEventLoop()
    state = {"reply": b"", "done": False}

    def finish():
        state["done"] = True
        loop.quit()

    def on_connected():
        _allow_foreground()
        socket.write(QByteArray((message + "\n").encode("utf-8")))
        socket.flush()
        timer.start(reply_ms)

    def on_ready():
        state["reply"] += bytes(socket.readAll().data())
        if b"\n" in state["reply"]:
            finish()

    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(finish)
    socket.connected.connect(on_connected)
    socket.readyRead.connect(on_ready)
    socket.errorOccurred.connect(lambda _err: finish())
    socket.disconnected.connect(finish)
    timer.start(connect_ms)
    socket.connectToServer(name)
    if not state["done"]:
        loop.exec()
    timer.stop()
    reply = state["reply"].decode("utf-8", "replace").strip()
    for signal in (socket.connected, socket.readyRead, socket.errorOccurred, socket.disconnected):
        signal.disconnect()
    socket.abort()      # Python owns the socket (no parent): it goes when this function returns
    return reply == REPLY_OK


class _Responder(QObject):
    """The local servers, living in their own thread: each "activate" is answered "ok" at once,
    whatever the main thread is doing, and passed on (queued) to the main thread."""

    activated = Signal()
    received = Signal(str)

    def __init__(self, names: list[str]):
        super().__init__()
        self.names = names
        self.servers: list[QLocalServer] = []
        self.errors: list[str] = []
        self.ready = threading.Event()
        self._buffers: dict[int, bytes] = {}
        self._conns: dict[int, QLocalSocket] = {}

    @Slot()
    def start(self) -> None:
        for name in self.names:
            server = QLocalServer(self)
            server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
            # We hold the store's lock, so a server left under this name is a dead one (a crash
            # leaves its socket file behind on Unix): clear it.
            QLocalServer.removeServer(name)
            if server.listen(name):
                server.newConnection.connect(lambda s=server: self._on_new_connection(s))
                self.servers.append(server)
            else:
                self.errors.append(server.errorString())
        self.ready.set()

    @Slot()
    def stop(self) -> None:
        for conn in list(self._conns.values()):
            self._forget(conn)
        for server in self.servers:
            server.close()
        self.servers = []

    def _on_new_connection(self, server: QLocalServer) -> None:
        while server.hasPendingConnections():
            conn = server.nextPendingConnection()
            if conn is None:
                break
            self._conns[id(conn)] = conn
            self._buffers[id(conn)] = b""
            conn.readyRead.connect(lambda c=conn: self._on_ready(c))
            conn.disconnected.connect(lambda c=conn: self._forget(c))
            QTimer.singleShot(REPLY_TIMEOUT_MS * 2, conn, conn.abort)   # no idle clients
            if conn.bytesAvailable():
                self._on_ready(conn)

    def _forget(self, conn: QLocalSocket) -> None:
        if self._conns.pop(id(conn), None) is None:
            return
        self._buffers.pop(id(conn), None)
        for signal in (conn.readyRead, conn.disconnected):
            try:
                signal.disconnect()
            except (RuntimeError, TypeError):
                pass
        conn.abort()
        conn.deleteLater()

    def _on_ready(self, conn: QLocalSocket) -> None:
        buffered = self._buffers.get(id(conn), b"") + bytes(conn.readAll().data())
        if len(buffered) > MAX_MESSAGE:
            conn.abort()
            return
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            message = line.decode("utf-8", "replace").strip()
            self.received.emit(message)
            if message == ACTIVATE:
                conn.write(QByteArray((REPLY_OK + "\n").encode("utf-8")))
                conn.flush()
                self.activated.emit()
        self._buffers[id(conn)] = buffered


class SingleInstance(QObject):
    """This process's claim on a store: the OS lock and the local server (for a writable start),
    or neither (for a read-only start). Keep it for as long as the store is open; `close()` (or the
    end of the process) gives both up."""

    messageReceived = Signal(str)
    activateRequested = Signal()
    filesRequested = Signal(list)       # files a later start was given (dropped on ziping.exe)

    def __init__(self, store_path: str | os.PathLike, lock: StoreLock | None,
                 readonly: bool, activate_callback: Callable[[], None] | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.store_path = Path(os.fspath(store_path))
        self.lock = lock
        self.readonly = readonly
        self.name = server_name(store_path)
        self.server: _Responder | None = None
        self._thread: QThread | None = None
        self._responder: _Responder | None = None
        self._callback = activate_callback or raise_main_window
        self.pending_files: list[str] = []

    # -- server ------------------------------------------------------------------------------

    _stop = Signal()

    def listen(self) -> bool:
        """Start the servers in their own thread; returns once they listen (or failed)."""
        responder = _Responder(server_names(self.store_path))
        thread = QThread()
        thread.setObjectName("ziping-single-instance")
        responder.moveToThread(thread)
        thread.started.connect(responder.start)
        responder.received.connect(self.messageReceived.emit)
        responder.received.connect(self._on_message)
        responder.activated.connect(self._on_activate)
        self._stop.connect(responder.stop, Qt.ConnectionType.BlockingQueuedConnection)
        thread.start()
        responder.ready.wait(10)
        self._thread, self._responder = thread, responder
        if not responder.servers:
            log.warning("local server not started (%s): a second start cannot switch to this window",
                        "; ".join(responder.errors))
            self._shutdown_thread()
            return False
        self.server = responder
        return True

    @Slot(str)
    def _on_message(self, message: str) -> None:
        """``files<TAB>["a.json", …]``: the files a later start was given, to import here.  They
        wait in `pending_files` until the window takes them (`take_pending_files`), so none is
        lost while this process is still starting (a recovery question, the window being built)."""
        command, _, payload = message.partition("\t")
        if command != FILES or not payload:
            return
        try:
            files = json.loads(payload)
        except ValueError:
            return
        if isinstance(files, list) and files and all(isinstance(f, str) for f in files):
            self.pending_files.extend(files)
            self.filesRequested.emit(files)

    def take_pending_files(self) -> list[str]:
        """The files handed over so far and not yet taken (each is given out once)."""
        files, self.pending_files = self.pending_files, []
        return files

    def _on_activate(self) -> None:
        self.activateRequested.emit()
        self._callback()

    def _shutdown_thread(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        if thread.isRunning():
            self._stop.emit()
            thread.quit()
            thread.wait(5000)
        self._responder = None

    # -- API ---------------------------------------------------------------------------------

    def set_activate_callback(self, callback: Callable[[], None] | None) -> None:
        """What to do when a second start asks for this window (default: `raise_main_window`)."""
        self._callback = callback or raise_main_window

    def close(self) -> None:
        self._shutdown_thread()
        self.server = None
        if self.lock is not None:
            self.lock.release()
            self.lock = None
        if self in _ALIVE:
            _ALIVE.remove(self)

    def __repr__(self) -> str:
        mode = "readonly" if self.readonly else "writer"
        return f"<SingleInstance {str(self.store_path)!r} {mode}>"


# Started instances stay referenced here until close(): if the object were garbage-collected the
# lock and the server would silently go with it.
_ALIVE: list[SingleInstance] = []


def _ask_readonly(parent: QWidget | None, message: str) -> bool:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("表单库正在使用中")
    box.setText(message)
    readonly = box.addButton("以只读方式打开", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(readonly)
    box.exec()
    return box.clickedButton() is readonly


def _locked_message(store_path: Path, holder: dict) -> str:
    who = ""
    if holder.get("host") or holder.get("started"):
        who = (f"\n（锁文件记录：计算机 {holder.get('host', '?')}，"
               f"进程 {holder.get('pid', '?')}，启动于 {holder.get('started', '?')}）")
    return (
        "这个表单库已经在另一个窗口中打开，但那个窗口没有响应。\n"
        f"表单库：{store_path}{who}\n\n"
        "可以以只读方式打开（只能查看、导出和打印，不能修改），或者退出。\n"
        "如果那个窗口已经卡住，请先保存好其他工作，在任务管理器中结束“ziping.exe”，再重新启动本程序。"
    )


def _unlockable_message(store_path: Path, error: Exception) -> str:
    return (
        f"{error}\n表单库：{store_path}\n\n"
        "无法确认是否有其他窗口正在修改这个表单库。可以以只读方式打开（只能查看、导出和打印，"
        "不能修改），或者退出后把表单库放到可以写入的文件夹中。"
    )


def ensure_single(store_path: str | os.PathLike,
                  activate_callback: Callable[[], None] | None = None,
                  parent: QWidget | None = None,
                  *, ask: Callable[[str], bool] | None = None,
                  files: list[str] | None = None) -> SingleInstance | None:
    """Make sure only one process writes the store at `store_path`.

    Returns a `SingleInstance` (truthy) when this process may go on — `.readonly` says whether
    the store must be opened read-only — or None when it should exit: another window on the same
    store was asked to come forward, or the store is busy and the user chose 退出.

    `activate_callback` runs in this process when a later start asks for it (default: raise the
    main window). `files` (forms, workbooks) are handed to the window already open on the store
    (its `filesRequested` signal and `take_pending_files`); when this process goes on, it imports
    them itself. `ask(message) -> bool` replaces the "open read-only?" question (tests).
    A QApplication must exist.
    """
    if QApplication.instance() is None:
        raise RuntimeError("ensure_single() needs a QApplication")
    path = Path(os.path.abspath(os.path.expanduser(os.fspath(store_path))))
    names = server_names(path)
    ask = ask or (lambda message: _ask_readonly(parent, message))

    # The files on a line of their own before "activate": a window of an older version ignores
    # that line and still answers. ASCII JSON: a file name with a lone surrogate still travels.
    message = (FILES + "\t" + json.dumps(list(files)) + "\n" if files else "") + ACTIVATE

    def send(connect_ms: int = CONNECT_TIMEOUT_MS) -> bool:
        return any(_send(name, message, connect_ms=connect_ms) for name in names)

    # 1. A window already serves this store: bring it forward and stop here.
    if send():
        return None

    # 2. Take the lock: this process becomes the writer.
    try:
        lock = acquire_lock(path)
    except LockError as exc:
        if ask(_unlockable_message(path, exc)):
            return _started(SingleInstance(path, None, True, activate_callback))
        return None
    if lock is not None:
        inst = SingleInstance(path, lock, False, activate_callback)
        inst.listen()
        return _started(inst)

    # 3. Locked, but nobody answered: the other window may be starting right now. Try a little.
    deadline = time.monotonic() + LOCKED_RETRY_S
    while time.monotonic() < deadline:
        if send(connect_ms=300):
            return None
        lock = acquire_lock(path)       # or it just quit
        if lock is not None:
            inst = SingleInstance(path, lock, False, activate_callback)
            inst.listen()
            return _started(inst)
        loop = QEventLoop()
        QTimer.singleShot(200, loop.quit)
        loop.exec()

    # 4. Held by a process that does not answer.
    if ask(_locked_message(path, holder_info(path))):
        return _started(SingleInstance(path, None, True, activate_callback))
    return None


@atexit.register
def _close_all() -> None:
    """A thread still serving at interpreter exit would abort the process: stop them all."""
    for inst in list(_ALIVE):
        try:
            inst.close()
        except Exception:       # noqa: BLE001
            pass


def _started(inst: SingleInstance) -> SingleInstance:
    _ALIVE.append(inst)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(inst.close)
    return inst
