"""Form templates: layouts as data files under ``resources/templates/``.

A province's variant is a new JSON file there, not new code.  Each template
names its blocks (title, rows of labels and fields, the funds table, the goal
texts, the indicator table), their Chinese labels and column spans, the paper
and the default scoring profile.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from core.files import resource


class TemplateError(ValueError):
    pass


def _span(item: dict) -> int:
    return int(item.get("span", 1))


def check_template(t: dict, source: str = "") -> dict:
    """Check that every row of every block fills the template's columns exactly."""
    where = source or t.get("id", "?")
    for key in ("id", "name", "profile", "title", "columns", "blocks"):
        if key not in t:
            raise TemplateError(f"{where}: 缺少 {key}")
    n = len(t["columns"])
    for i, block in enumerate(t["blocks"]):
        kind = block.get("type")
        if kind == "title":
            continue
        if kind == "row":
            width = sum(_span(it) for it in block["items"])
        elif kind in ("funds", "indicators", "goal_texts"):
            width = _span(block["side"]) + sum(_span(c) for c in block["columns"])
        else:
            raise TemplateError(f"{where}: 第 {i + 1} 块类型未知：{kind}")
        if width != n:
            raise TemplateError(f"{where}: 第 {i + 1} 块（{kind}）占 {width} 列，模板有 {n} 列")
    return t


@lru_cache(maxsize=1)
def _load_all() -> dict[str, dict]:
    found: dict[str, dict] = {}
    folder = resource("templates")
    for path in sorted(Path(folder).glob("*.json")):
        with open(path, encoding="utf-8") as fh:
            t = json.load(fh)
        check_template(t, path.name)
        found[t["id"]] = t
    return found


def template_ids() -> list[str]:
    return list(_load_all())


def get_template(tid: str) -> dict:
    """The template with this id; KeyError if there is none."""
    return _load_all()[tid]


def all_templates() -> list[dict]:
    return list(_load_all().values())
