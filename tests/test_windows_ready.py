"""The Windows workflow runs the whole suite on every push and pull request; this file keeps the
suite runnable there: a test file that calls what only POSIX systems have (a FIFO, fork, SIGKILL,
fcntl, /proc …) must guard the call — a skip with a reason, a platform test around it, or a
``try`` that survives its absence — or this test names the line.  Read from the sources (ast), so
it runs, and fails, on Linux, long before a release is built."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"

# Attribute uses that exist only on POSIX systems, and modules only they have.
POSIX_ATTRS = {
    "os": {"mkfifo", "mknod", "fork", "forkpty", "getuid", "geteuid", "getgid", "getegid", "setsid", "setpgrp",
           "killpg", "getpgid", "chown", "lchown", "statvfs", "sync", "WNOHANG", "getloadavg"},
    "signal": {"SIGKILL", "SIGSTOP", "SIGCONT", "SIGUSR1", "SIGUSR2", "SIGHUP", "SIGALRM", "SIGQUIT", "alarm",
               "setitimer", "pthread_kill"},
}
POSIX_ATTRS["time"] = {"tzset"}
POSIX_ATTRS["os"] |= {"uname"}
POSIX_MODULES = {"fcntl", "resource", "pwd", "grp", "termios", "pty", "tty", "posix"}
POSIX_PATHS = re.compile(r"^/(proc|dev/(zero|full|random|urandom|shm|tty))\b")


# ---------------------------------------------------------------- guards, judged as on Windows

class _Unknown(Exception):
    """A guard whose value on Windows cannot be told from its text."""


class _WinOS:
    """os as a Windows Python shows it: no POSIX-only names, no /proc or /dev paths."""
    name, sep = "nt", "\\"

    class path:
        @staticmethod
        def _posix(p) -> bool:
            if POSIX_PATHS.match(str(p)):
                return False
            raise _Unknown(p)
        exists = isdir = isfile = _posix

    @staticmethod
    def access(p, mode) -> bool:
        return _WinOS.path._posix(p)

    def __getattr__(self, attr):
        if attr in POSIX_ATTRS["os"]:
            raise AttributeError(attr)
        raise _Unknown(attr)


class _WinSys:
    platform = "win32"

    def __getattr__(self, attr):
        raise _Unknown(attr)


class _WinModule:
    """signal, time … as on Windows: their POSIX-only names are missing."""

    def __init__(self, module: str):
        self._module = module

    def __getattr__(self, attr):
        if attr in POSIX_ATTRS[self._module]:
            raise AttributeError(attr)
        raise _Unknown(attr)


def _on_windows(expr: ast.expr) -> bool | None:
    """The value of a guard expression on Windows, or None when it cannot be told."""
    names = {m: _WinModule(m) for m in POSIX_ATTRS}
    names.update(sys=_WinSys(), os=_WinOS())
    try:
        code = compile(ast.Expression(body=expr), "<guard>", "eval")
        return bool(eval(code, {"__builtins__": {"hasattr": hasattr, "getattr": getattr, "any": any, "all": all}},
                         names))
    except (_Unknown, NameError, TypeError, ValueError, AttributeError, SyntaxError):
        return None


def _skip_condition(call: ast.expr) -> ast.expr | None:
    """The condition of ``pytest.mark.skipif(cond, …)``, or None."""
    if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "skipif" and call.args:
        return call.args[0]
    return None


def _skips(stmt: ast.stmt) -> bool:
    """``if <cond>: pytest.skip(...)`` (or return)."""
    return isinstance(stmt, ast.If) and any(
        isinstance(s, ast.Return) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
                                      and getattr(s.value.func, "attr", "") in ("skip", "xfail"))
        for s in stmt.body)


def _parents(tree: ast.AST) -> dict:
    out = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            out[child] = node
    return out


# What a `try` must catch for each kind of use to survive its absence.
CATCHES = {"attr": r"\b(AttributeError|Exception|BaseException)\b",
           "module": r"\b(ImportError|ModuleNotFoundError|Exception|BaseException)\b",
           "path": r"\b(OSError|FileNotFoundError|IOError|Exception|BaseException)\b"}


def _guarded(node: ast.AST, kind: str, parents: dict, source: str, tree: ast.Module) -> bool:
    """Whether Windows never reaches ``node``, or survives it: a skip whose condition holds there, an
    ``if`` that is false there (or an ``else`` of one that is true), a ``try`` that catches what
    the absence raises."""
    for stmt in tree.body:                                         # pytestmark = skipif(win32 …)
        if isinstance(stmt, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in stmt.targets):
            marks = stmt.value.elts if isinstance(stmt.value, (ast.List, ast.Tuple)) else [stmt.value]
            if any(_on_windows(c) is True for c in map(_skip_condition, marks) if c is not None):
                return True
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if any(_on_windows(c) is True for c in map(_skip_condition, parent.decorator_list) if c is not None):
                return True
        if isinstance(parent, (ast.If, ast.IfExp, ast.While)) and child is not parent.test:
            in_body = child in parent.body if isinstance(parent.body, list) else child is parent.body
            if _on_windows(parent.test) is (False if in_body else True):
                return True
        if isinstance(parent, ast.BoolOp) and child in parent.values:   # sys.platform != "win32" and …
            stop = isinstance(parent.op, ast.And) is False              # `or`: a true operand stops
            if any(_on_windows(v) is stop for v in parent.values[:parent.values.index(child)]):
                return True
        if isinstance(parent, ast.Try) and child in parent.body and any(
                h.type is None or re.search(CATCHES[kind], ast.get_source_segment(source, h.type) or "")
                for h in parent.handlers):
            return True
        body = getattr(parent, "body", None)
        if isinstance(body, list) and child in body:               # an earlier `if win32: pytest.skip()`
            if any(_skips(s) and _on_windows(s.test) is True for s in body[:body.index(child)]):
                return True
        child, parent = parent, parents.get(parent)
    return False


def unguarded_posix_calls(source: str, name: str = "<test>") -> list[str]:
    """``file:line what`` for every POSIX-only use in ``source`` that nothing guards."""
    tree = ast.parse(source)
    parents = _parents(tree)
    found = []
    aliases = {m: m for m in POSIX_ATTRS}       # local name -> module (import os as o)
    taken = {}                                  # from os import mkfifo -> "os.mkfifo"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in POSIX_ATTRS:
                    aliases[a.asname or a.name] = a.name
        elif isinstance(node, ast.ImportFrom) and node.module in POSIX_ATTRS:
            for a in node.names:
                if a.name in POSIX_ATTRS[node.module]:
                    taken[a.asname or a.name] = f"{node.module}.{a.name}"
                    if not _guarded(node, "attr", parents, source, tree):
                        found.append(f"{name}:{node.lineno} {node.module}.{a.name}")
    module_strings = {}                 # a module-level name -> the POSIX path its string holds
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            m = re.search(r"/proc/\S+", stmt.value.value)
            if m:
                module_strings.update({t.id: m.group(0) for t in stmt.targets if isinstance(t, ast.Name)})
    for node in ast.walk(tree):
        what, kind = None, "attr"
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases \
                and node.attr in POSIX_ATTRS[aliases[node.value.id]]:
            what = f"{aliases[node.value.id]}.{node.attr}"
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in taken:
            what = taken[node.id]
        elif isinstance(node, ast.Import):
            what, kind = next((a.name for a in node.names if a.name.split(".")[0] in POSIX_MODULES), None), "module"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in POSIX_MODULES:
            what, kind = node.module, "module"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and POSIX_PATHS.match(node.value):
            call = parents.get(node)
            feature_test = isinstance(call, ast.Call) and getattr(call.func, "attr", "") in (
                "exists", "isdir", "isfile", "access")               # os.path.isdir("/dev/shm") is a guard
            what, kind = (None if feature_test else node.value), "path"
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in module_strings \
                and isinstance(parents.get(node), ast.Call | ast.keyword | ast.List | ast.Tuple):
            what, kind = f"{node.id} ({module_strings[node.id]})", "path"
        if what and not _guarded(node, kind, parents, source, tree):
            found.append(f"{name}:{getattr(node, 'lineno', 0)} {what}")
    return found


def test_the_windows_workflow_tests_every_push_and_pull_request():
    flows = {p.name: p.read_text(encoding="utf-8") for p in sorted(WORKFLOWS.glob("*.yml"))}
    runs = [(n, t) for n, t in flows.items() if "windows-latest" in t and re.search(r"pytest\s+tests\b", t)]
    assert runs, "no workflow runs the test suite on Windows"
    name, text = runs[0]
    on = text.split("\non:", 1)[1].split("\njobs:", 1)[0]
    assert re.search(r"^\s+push:", on, re.M) and re.search(r"^\s+pull_request:", on, re.M), name
    push = on.split("push:", 1)[1].split("pull_request:", 1)[0]
    assert "tags:" not in push or "branches:" in push, "push must test every branch, not only version tags"
    # the build and the upload: only on a version tag (or by hand), after the tests
    build = text.split("\n  build:", 1)[1]
    assert "needs: test" in build and "refs/tags/v" in build and "upload-artifact" in build


def test_no_test_file_calls_what_windows_lacks_without_a_guard():
    flows = " ".join(p.read_text(encoding="utf-8") for p in WORKFLOWS.glob("*.yml"))
    assert "pytest tests" in flows                      # the files below are the ones the workflow runs
    found = []
    for path in sorted((ROOT / "tests").glob("*.py")):
        if path.name != Path(__file__).name:             # this file's own examples are strings
            found += unguarded_posix_calls(path.read_text(encoding="utf-8"), path.name)
    assert found == []


def test_the_check_sees_an_unguarded_call_and_accepts_the_usual_guards():
    bare = "import os\n\ndef test_fifo(tmp_path):\n    os.mkfifo(tmp_path / 'p')\n"
    assert unguarded_posix_calls(bare) == ["<test>:4 os.mkfifo"]
    assert unguarded_posix_calls("import fcntl\n") == ["<test>:1 fcntl"]
    assert unguarded_posix_calls("X = open('/proc/self/status')\n") == ["<test>:1 /proc/self/status"]
    guarded = [
        "import os, pytest\n@pytest.mark.skipif(not hasattr(os, 'mkfifo'), reason='no FIFOs')\n"
        "def test_fifo(tmp_path):\n    os.mkfifo(tmp_path / 'p')\n",
        "import os, sys\ndef cases(tmp):\n    if hasattr(os, 'mkfifo'):\n        os.mkfifo(tmp / 'p')\n",
        "import os, sys, pytest\ndef test_x():\n    if sys.platform == 'win32':\n        pytest.skip('no')\n"
        "    os.geteuid()\n",
        "import sys, pytest\npytestmark = pytest.mark.skipif(sys.platform == 'win32', reason='SIGKILL')\n"
        "import signal\nS = signal.SIGKILL\n",
        "import os, sys\nok = sys.platform != 'win32' and os.geteuid() != 0\n",
        "def peak():\n    try:\n        return open('/proc/self/status').read()\n    except OSError:\n        return ''\n",
    ]
    for source in guarded:
        assert unguarded_posix_calls(source) == [], source
    # guards that do not keep Windows out, and spellings that hide the call
    unguarded = [
        "import os, sys\ndef t(tmp):\n    if sys.platform == 'win32':\n        os.mkfifo(tmp)\n",
        "import os, sys, pytest\n@pytest.mark.skipif(sys.platform != 'win32', reason='x')\ndef t(tmp):\n"
        "    os.mkfifo(tmp)\n",
        "import os, signal\ndef t(p):\n    try:\n        os.kill(p, signal.SIGKILL)\n    except OSError:\n"
        "        pass\n",
        "from os import mkfifo\ndef t(p):\n    mkfifo(p)\n",
        "import os as o\ndef t(p):\n    o.mkfifo(p)\n",
        "import time\ntime.tzset()\n",
    ]
    for source in unguarded:
        assert unguarded_posix_calls(source), source
    assert unguarded_posix_calls("import os, signal\ndef t(p):\n    try:\n        os.kill(p, signal.SIGKILL)\n"
                                 "    except AttributeError:\n        pass\n") == []
