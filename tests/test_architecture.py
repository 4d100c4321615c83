"""The house: core/ is a set of rooms (packages), each entered only through its door (its
``__init__.py`` and the names in its ``__all__``); no module imports one that imports it back, even
inside a function; the rooms use each other exactly as ARCHITECTURE.md draws it.

Read from the source (ast), so a lazy import inside a function counts like one at the top.
"""
from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "ARCHITECTURE.md"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    files = [*sorted((ROOT / "core").rglob("*.py")), *sorted((ROOT / "ui").rglob("*.py")), ROOT / "main.py"]
    return {_module_name(p): p for p in files}


def room_of(module: str) -> str:
    """core.rules.scoring -> core.rules; ui.editor -> ui; main -> main."""
    parts = module.split(".")
    if parts[0] == "core" and len(parts) > 1:
        return "core." + parts[1]
    return parts[0]


def _doors() -> dict[str, set[str]]:
    """{room: the names of its door (``__all__``)} for every package directly under core/."""
    out = {}
    for init in sorted((ROOT / "core").glob("*/__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
                names = set(ast.literal_eval(node.value))
        out["core." + init.parent.name] = names
    return out


class Import:
    """One imported thing: the module it lives in (``target``), the name taken from it (or None for a
    whole module), where it is written."""

    def __init__(self, source: str, line: int, target: str, name: str | None):
        self.source, self.line, self.target, self.name = source, line, target, name

    def __repr__(self) -> str:
        what = f"{self.target}.{self.name}" if self.name else self.target
        return f"{self.source}:{self.line} imports {what}"


def imports_of(module: str, path: Path, modules: dict[str, Path], doors: dict[str, set[str]]) -> list[Import]:
    """Every import of core/ui code written in ``path``, at any depth of the file (functions too).

    ``from core.rules import evaluate`` takes the door's name (a function) when the door lists it,
    else the submodule of that name, as Python does; a module of the room itself is always the
    submodule (``from core.export import fonts`` inside core/export)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ("core", "ui"):
                    out.append(Import(module, node.lineno, alias.name, None))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] not in ("core", "ui"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in modules and (alias.name not in doors.get(target, set()) or room_of(module) == room_of(sub)):
                    out.append(Import(module, node.lineno, sub, None))
                else:
                    out.append(Import(module, node.lineno, target, alias.name))
    return out


@pytest.fixture(scope="module")
def graph():
    modules = _sources()
    doors = _doors()
    return modules, doors, {m: imports_of(m, p, modules, doors) for m, p in modules.items()}


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), and self-loops."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in edges.get(v, ()):
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_one_that_imports_it_back(graph):
    modules, _doors_, imports = graph
    edges = {m: {i.target for i in imports[m] if i.target in modules and i.target != m} for m in modules}
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_a_circle():
    """The check above is not vacuous: a circle through a lazy import is found."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_room_of_core_is_a_package_with_a_door():
    loose = sorted(p.name for p in (ROOT / "core").glob("*.py") if p.name != "__init__.py")
    assert loose == [], f"modules outside any room: {loose}"
    doors = _doors()
    assert set(doors) >= {"core.files", "core.form", "core.rules", "core.layout", "core.store", "core.reading",
                          "core.export", "core.package", "core.editing", "core.cli"}
    for room, names in doors.items():
        assert names, f"{room}/__init__.py has no __all__"
        assert not [n for n in names if n.startswith("_")], room
        door = importlib.import_module(room)
        missing = sorted(n for n in names if not hasattr(door, n))
        assert not missing, f"{room} lists names it does not have: {missing}"


def test_other_rooms_come_in_through_the_door_only(graph):
    """Outside a room, only the names in its door's ``__all__`` are used (ui and main.py too): no
    submodule (``core.rules.scoring``), and not the door as a whole (``from core import store``,
    ``import core.store``), whose attributes would reach past ``__all__``."""
    modules, doors, imports = graph
    wrong = []
    for m, found in imports.items():
        for i in found:
            room = room_of(i.target) if i.target != "core" else "core." + (i.name or "")
            if room == room_of(m) or not room.startswith("core."):
                continue
            if i.target != room or i.name is None or i.name not in doors.get(room, set()):
                wrong.append(repr(i))
    assert wrong == []


def _door_modules(doors: dict) -> dict[str, dict]:
    """{room: {name: the names of that module's __all__}} for the modules a door hands out whole
    (core.files.atomic, core.export.fonts): used through them, only their own __all__ counts."""
    out: dict[str, dict] = {}
    for room, names in doors.items():
        door = importlib.import_module(room)
        for name in names:
            value = getattr(door, name)
            if isinstance(value, type(importlib)):
                assert hasattr(value, "__all__"), f"{room}.{name} is handed out whole: it needs an __all__"
                out.setdefault(room, {})[name] = set(value.__all__)
    return out


def test_a_module_handed_out_by_a_door_is_used_by_its_own_all_only(graph):
    modules, doors, _imports = graph
    handed = _door_modules(doors)
    assert handed, "no door hands out a module: this check guards nothing"
    wrong = []
    for m, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bound = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in handed and room_of(node.module) != room_of(m):
                for a in node.names:
                    if a.name in handed[node.module]:
                        bound[a.asname or a.name] = (node.module, a.name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound:
                room, name = bound[node.value.id]
                if node.attr not in handed[room][name]:
                    wrong.append(f"{m}:{node.lineno} uses {room}.{name}.{node.attr}")
    assert wrong == []


def test_no_module_imports_by_a_name_made_at_run_time():
    """importlib.import_module and __import__ would hide an import from every check above."""
    found = []
    for m, path in _sources().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in ("import_module", "__import__"):
                    found.append(f"{m}:{node.lineno}")
    assert found == []


def test_no_private_name_is_imported_from_another_package(graph):
    """``from core.x.y import _name`` only inside the package that owns ``_name``."""
    modules, _doors_, imports = graph
    wrong = []
    for m, found in imports.items():
        own = m if modules[m].name == "__init__.py" else m.rpartition(".")[0]
        for i in found:
            private = (i.name or "").startswith("_") or i.target.rpartition(".")[2].startswith("_")
            if private and not i.name == "__version__" and i.target.rpartition(".")[0] != own and i.target != own:
                wrong.append(repr(i))
    assert wrong == []


def declared_uses() -> dict[str, set[str]]:
    """ARCHITECTURE.md's table: ``| core.layout | … | core.form, core.rules |``."""
    uses = {}
    for line in ARCHITECTURE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*`?(core\.\w+|ui|main\.py)`?\s*\|[^|]*\|([^|]*)\|\s*$", line)
        if m:
            room = m.group(1).removesuffix(".py")
            uses[room] = set(re.findall(r"core\.\w+|\bui\b", m.group(2)))
    return uses


def test_the_rooms_use_each_other_as_architecture_md_draws(graph):
    modules, doors, imports = graph
    actual: dict[str, set[str]] = {room_of(m): set() for m in modules if m != "core"}
    for m, found in imports.items():
        for i in found:
            room = room_of(i.target) if i.target != "core" else "core." + (i.name or "")
            if room != room_of(m):
                actual[room_of(m)].add(room)
    declared = declared_uses()
    assert set(declared) == set(actual), "ARCHITECTURE.md's table must list every room, and only those"
    for room in sorted(actual):
        assert actual[room] == declared[room], (room, "uses", sorted(actual[room]), "drawn", sorted(declared[room]))
    assert _cycles(actual) == [], "the rooms must form a tree of uses"
