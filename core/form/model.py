"""The form model and the form file (FORM-FORMAT.md).

A :class:`Form` wraps the plain JSON dict of the form file.  Values are kept
exactly as the clerk typed them (strings); unknown keys stay where they are and
are written back unchanged.  Paths such as ``goals.0.indicators.3.actual`` name
one value; the sheet, the editor, the checks and the store all use them.
"""
from __future__ import annotations

import copy
import json
from typing import Any, Iterator

FORMAT = "ziping-form"
VERSION = 1
MAX_FILE_BYTES = 20 * 1024 * 1024   # a real form is a few hundred KB at most
MAX_TEXT_CHARS = 100_000            # one cell
MAX_GOALS = 100
MAX_INDICATORS = 2000               # per form

INDICATOR_KEYS = ("level1", "level2", "name", "content", "target", "actual", "weight",
                  "score", "tier", "reason", "measure")
FUND_KEYS = ("label", "initial", "budget", "executed", "transfer", "reason")


class FormError(ValueError):
    """A form file that cannot be used; ``str(e)`` is one plain Chinese line."""

    def __init__(self, message: str, where: str = ""):
        self.where = where
        super().__init__(f"{message}（位置：{where}）" if where else message)


def new_indicator(level1: str = "", level2: str = "") -> dict:
    return {"level1": level1, "level2": level2, "name": "", "target": "", "actual": "",
            "weight": "", "score": None, "tier": None, "reason": "", "measure": ""}


def new_goal(title: str = "") -> dict:
    return {"title": title, "planned": "", "achieved": "", "indicators": []}


def new_form(template: dict, year: int | None = None, header: dict | None = None) -> "Form":
    """A blank form for a template (a dict from :mod:`core.form.templates`)."""
    goals = []
    for g in template.get("new", {}).get("goals", [{"title": ""}]):
        goal = new_goal(g.get("title", ""))
        for row in g.get("indicators", []):
            ind = new_indicator(row.get("level1", ""), row.get("level2", ""))
            if "weight" in row:
                ind["weight"] = row["weight"]
            goal["indicators"].append(ind)
        goals.append(goal)
    funds_new = template.get("new", {}).get("funds", {})
    data = {
        "format": FORMAT,
        "version": VERSION,
        "template": template["id"],
        "year": year,
        "header": {f: "" for f in template.get("header_fields", [])},
        "funds": {
            "total": {"label": funds_new.get("total", "年度资金总额"), "initial": "", "budget": "",
                      "executed": "", "transfer": "", "reason": ""},
            "sources": [{"label": s, "initial": "", "budget": "", "executed": ""}
                        for s in funds_new.get("sources", [])],
            "uses": [{"label": u, "executed": ""} for u in funds_new.get("uses", [])],
        },
        "goals": goals,
        "texts": {t: "" for t in template.get("text_fields", [])},
    }
    if header:
        for k, v in header.items():
            if k in data["header"] or v:
                data["header"][k] = v
    return Form(data)


class Form:
    """One form: a thin, path-addressable view over the form-file dict."""

    __slots__ = ("data",)

    def __init__(self, data: dict):
        self.data = data

    # ----- top-level facts
    @property
    def template_id(self) -> str:
        return self.data.get("template") or ""

    @property
    def profile_id(self) -> str | None:
        return self.data.get("profile") or None

    @property
    def year(self) -> int | None:
        y = self.data.get("year")
        if isinstance(y, int):
            return y
        if isinstance(y, str) and y.strip().isdigit():
            return int(y.strip())
        return None

    @property
    def header(self) -> dict:
        return self.data.setdefault("header", {})

    @property
    def funds(self) -> dict:
        return self.data.setdefault("funds", {})

    @property
    def total_row(self) -> dict:
        return self.funds.get("total") or {}

    @property
    def sources(self) -> list:
        return self.funds.get("sources") or []

    @property
    def uses(self) -> list:
        return self.funds.get("uses") or []

    @property
    def goals(self) -> list:
        return self.data.setdefault("goals", [])

    @property
    def texts(self) -> dict:
        return self.data.setdefault("texts", {})

    def indicators(self) -> Iterator[tuple[int, int, dict]]:
        for gi, goal in enumerate(self.goals):
            for ii, ind in enumerate(goal.get("indicators") or []):
                yield gi, ii, ind

    def indicator_count(self) -> int:
        return sum(len(g.get("indicators") or []) for g in self.goals)

    # ----- path access
    def get(self, path: str, default: Any = "") -> Any:
        """The value at a path, or ``default`` when it is missing or null."""
        value = self.get_raw(path)
        return default if value is None else value

    def get_raw(self, path: str) -> Any:
        """Like :meth:`get` but returns None for a missing value and keeps None."""
        node: Any = self.data
        for part in path.split("."):
            if isinstance(node, list):
                try:
                    node = node[int(part)]
                except (ValueError, IndexError):
                    return None
            elif isinstance(node, dict):
                node = node.get(part)
                if node is None:
                    return None
            else:
                return None
        return node

    def set(self, path: str, value: Any) -> Any:
        """Set one value, creating missing dicts on the way; returns the old value."""
        parts = path.split(".")
        node: Any = self.data
        for i, part in enumerate(parts[:-1]):
            nxt = parts[i + 1]
            if isinstance(node, list):
                node = node[int(part)]
            else:
                if not isinstance(node.get(part), (dict, list)):
                    node[part] = [] if nxt.isdigit() else {}
                node = node[part]
        last = parts[-1]
        if isinstance(node, list):
            idx = int(last)
            old = node[idx]
            node[idx] = value
        else:
            old = node.get(last)
            node[last] = value
        return old

    # ----- structure edits (each returns what is needed to undo it)
    def insert_indicator(self, gi: int, at: int, indicator: dict | None = None) -> dict:
        goal = self.goals[gi]
        inds = goal.setdefault("indicators", [])
        if indicator is None:
            near = inds[at - 1] if 0 < at <= len(inds) else (inds[at] if at < len(inds) else None)
            indicator = new_indicator(near.get("level1", "") if near else "",
                                      near.get("level2", "") if near else "")
        at = max(0, min(at, len(inds)))
        inds.insert(at, indicator)
        return indicator

    def remove_indicator(self, gi: int, ii: int) -> dict:
        return self.goals[gi]["indicators"].pop(ii)

    def move_indicator(self, gi: int, ii: int, delta: int) -> int:
        """Move a row up (-1) or down (+1) inside its goal; returns the new index."""
        inds = self.goals[gi]["indicators"]
        j = ii + delta
        if not (0 <= j < len(inds)):
            return ii
        inds[ii], inds[j] = inds[j], inds[ii]
        return j

    def insert_goal(self, at: int, goal: dict | None = None) -> dict:
        goal = goal if goal is not None else new_goal(f"年度目标{len(self.goals) + 1}")
        self.goals.insert(max(0, min(at, len(self.goals))), goal)
        return goal

    def remove_goal(self, gi: int) -> dict:
        return self.goals.pop(gi)

    # ----- whole-form operations
    def copy(self) -> "Form":
        return Form(copy.deepcopy(self.data))

    def next_year_copy(self) -> "Form":
        """复制为下一年度: header, targets, weights and structure kept; amounts (年初、全年预算数
        and 执行数), actuals, scores, tiers, reasons and achievements cleared."""
        f = self.copy()
        d = f.data
        if f.year is not None:
            d["year"] = f.year + 1
        for key in ("填报日期",):
            if key in f.header:
                f.header[key] = ""
        rows = [f.funds.get("total") or {}] + list(f.sources)
        for row in rows:
            for k in ("initial", "budget", "executed", "transfer", "reason", "rate"):
                if k in row:
                    row[k] = ""
        for u in f.uses:
            for k in ("budget", "executed"):
                if k in u:
                    u[k] = ""
        d.pop("total", None)
        for goal in f.goals:
            goal["achieved"] = ""
            for ind in goal.get("indicators") or []:
                ind["actual"] = ""
                ind["score"] = None
                ind["tier"] = None
                ind["reason"] = ""
                if "measure" in ind:
                    ind["measure"] = ""
        for k in list(f.texts):
            if k not in ("部门职能概述",):
                f.texts[k] = ""
        return f

    def to_json(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, indent=2)
