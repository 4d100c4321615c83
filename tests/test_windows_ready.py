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
POSIX_MODULES = {"fcntl", "resource", "pwd", "grp", "termios", "pty", "tty", "posix"}
POSIX_PATHS = re.compile(r"^/(proc|dev/(zero|full|random|urandom|shm|tty))\b")
# What a guard says: a platform, a feature test, an import that may be skipped.
GUARD = re.compile(r"win32|posix|os\.name|linux|darwin|hasattr\(|exists\(|isdir\(|importorskip|platform")


def _parents(tree: ast.AST) -> dict:
    out = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            out[child] = node
    return out


def _says_guard(source: str, node: ast.AST | None) -> bool:
    return node is not None and bool(GUARD.search(ast.get_source_segment(source, node) or ""))


def _skips(stmt: ast.stmt) -> bool:
    """``if <platform>: pytest.skip(...)`` (or return)."""
    return isinstance(stmt, ast.If) and any(
        isinstance(s, ast.Return) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
                                      and getattr(s.value.func, "attr", "") in ("skip", "xfail"))
        for s in stmt.body)


def _guarded(node: ast.AST, parents: dict, source: str, tree: ast.Module) -> bool:
    for stmt in tree.body:                                         # pytestmark = skipif(win32 …)
        if isinstance(stmt, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in stmt.targets):
            if _says_guard(source, stmt.value):
                return True
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if any("skip" in (ast.get_source_segment(source, d) or "") and _says_guard(source, d)
                   for d in parent.decorator_list):
                return True
        if isinstance(parent, (ast.If, ast.IfExp, ast.While)) and child is not parent.test \
                and _says_guard(source, parent.test):
            return True
        if isinstance(parent, ast.BoolOp):                          # sys.platform != "win32" and os.geteuid()
            before = parent.values[:parent.values.index(child)] if child in parent.values else []
            if any(_says_guard(source, v) for v in before):
                return True
        if isinstance(parent, ast.Try) and child in parent.body and any(
                h.type is None or re.search(r"OSError|AttributeError|ImportError|Exception|FileNotFoundError",
                                            ast.get_source_segment(source, h.type) or "")
                for h in parent.handlers):
            return True
        body = getattr(parent, "body", None)
        if isinstance(body, list) and child in body:               # an earlier `if win32: pytest.skip()`
            if any(_skips(s) and _says_guard(source, s.test) for s in body[:body.index(child)]):
                return True
        child, parent = parent, parents.get(parent)
    return False


def unguarded_posix_calls(source: str, name: str = "<test>") -> list[str]:
    """``file:line what`` for every POSIX-only use in ``source`` that nothing guards."""
    tree = ast.parse(source)
    parents = _parents(tree)
    found = []
    module_strings = {}                 # a module-level name -> the POSIX path its string holds
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            m = re.search(r"/proc/\S+", stmt.value.value)
            if m:
                module_strings.update({t.id: m.group(0) for t in stmt.targets if isinstance(t, ast.Name)})
    for node in ast.walk(tree):
        what = None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.attr in POSIX_ATTRS.get(node.value.id, ()):
            what = f"{node.value.id}.{node.attr}"
        elif isinstance(node, ast.Import):
            what = next((a.name for a in node.names if a.name.split(".")[0] in POSIX_MODULES), None)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in POSIX_MODULES:
            what = node.module
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and POSIX_PATHS.match(node.value):
            call = parents.get(node)
            feature_test = isinstance(call, ast.Call) and getattr(call.func, "attr", "") in (
                "exists", "isdir", "isfile", "access")               # os.path.isdir("/dev/shm") is a guard
            what = None if feature_test else node.value
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in module_strings \
                and isinstance(parents.get(node), ast.Call | ast.keyword | ast.List | ast.Tuple):
            what = f"{node.id} ({module_strings[node.id]})"
        if what and not _guarded(node, parents, source, tree):
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
