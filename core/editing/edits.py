"""An edit as data: a :class:`Step` is a list of changes ``(path, old, new)`` (the shape
:func:`core.layout.sheet.edit_cell` returns) and the records the store's history keeps for it."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Step:
    """One undoable edit: the changes and what the store's history records for it."""
    label: str
    changes: list
    records: list = field(default_factory=list)
    focus: tuple | None = None      # (path, column) to make current afterwards


def _records_for(changes: list) -> list[dict]:
    return [{"path": p, "old": o, "new": n} for p, o, n in changes]


def _flip(records: list[dict], label: str) -> list[dict]:
    out = []
    for r in reversed(records):
        f = dict(r)
        f["old"], f["new"] = r.get("new"), r.get("old")
        f["op"] = label
        out.append(f)
    return out
