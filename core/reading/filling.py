"""What the layout reader fills in as it walks a worksheet: the form's data, started blank from
the template, values put at their paths (lists grown as rows are found), and the printed figures
kept beside it (see :mod:`core.reading.walk`)."""
from __future__ import annotations

from dataclasses import dataclass, field

from core.form import new_goal

AMOUNT_KEYS = ("initial", "budget", "executed", "transfer")


# ---------------------------------------------------------------- reading one template

@dataclass
class Reading:
    template: dict
    found: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    data: dict = field(default_factory=dict)
    printed: dict = field(default_factory=dict)    # computed key -> printed text
    scores_typed: dict = field(default_factory=dict)
    fatal: str = ""

    @property
    def fraction(self) -> float:
        n = len(self.found) + len(self.missing)
        return len(self.found) / n if n else 0.0


def blank_data(t: dict) -> dict:
    return {
        "format": "ziping-form", "version": 1, "template": t["id"], "year": None,
        "header": {f: "" for f in t.get("header_fields", [])},
        "funds": {"total": {"label": "", "initial": "", "budget": "", "executed": "", "transfer": "", "reason": ""},
                  "sources": [], "uses": []},
        "goals": [],
        "texts": {k: "" for k in t.get("text_fields", [])},
    }


def put_value(data: dict, t: dict, path: str, value: str) -> None:
    """Set a form path, growing lists with the template's blank rows where needed."""
    parts = path.split(".")
    node = data
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if isinstance(node, list):
            idx = int(part)
            while len(node) <= idx:
                node.append(new_row(t, parts[:i], len(node)))
            node = node[idx]
        else:
            if not isinstance(node.get(part), (dict, list)):
                node[part] = [] if nxt.isdigit() else {}
            node = node[part]
    if isinstance(node, list):
        idx = int(parts[-1])
        while len(node) <= idx:
            node.append("")
        node[idx] = value
    else:
        node[parts[-1]] = value


def new_row(t: dict, parent: list, n: int) -> dict:
    where = ".".join(parent)
    new = t.get("new", {}).get("funds", {})
    if where == "funds.uses":
        labels = new.get("uses", [])
        return {"label": labels[n] if n < len(labels) else "", "executed": ""}
    if where == "funds.sources":
        return {"label": "", "initial": "", "budget": "", "executed": ""}
    if where == "goals":
        return new_goal("")
    return {}
