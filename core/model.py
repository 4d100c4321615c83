"""The form model and the form file (FORM-FORMAT.md).

A :class:`Form` wraps the plain JSON dict of the form file.  Values are kept
exactly as the clerk typed them (strings); unknown keys stay where they are and
are written back unchanged.  Paths such as ``goals.0.indicators.3.actual`` name
one value; the sheet, the editor, the checks and the store all use them.
"""
from __future__ import annotations

import copy
import json
import math
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
    """A blank form for a template (a dict from :mod:`core.templates`)."""
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


# ---------------------------------------------------------------- loading

def _check_scalar(value: Any, where: str, *, allow_int_tier: bool = False) -> Any:
    """A value that should be a string as typed.  Numbers written by other
    tools are accepted as their JSON text; anything else is an error."""
    if value is None or isinstance(value, str):
        if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            raise FormError(f"文字过长（超过 {MAX_TEXT_CHARS} 字）", where)
        return value
    if isinstance(value, bool):
        raise FormError("应为文字或数字，不能是 true/false", where)
    if isinstance(value, int):
        if abs(value) > 10 ** 15:
            raise FormError("数字过大", where)
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FormError("数字无效", where)
        return repr(value)
    raise FormError("应为文字，实际是列表或对象", where)


def _dict(value: Any, where: str, allow_none: bool = True) -> dict:
    if value is None and allow_none:
        return {}
    if not isinstance(value, dict):
        raise FormError("应为对象（{…}）", where)
    return value


def _list(value: Any, where: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise FormError("应为列表（[…]）", where)
    return value


def validate(data: Any, known_templates: set[str] | None = None) -> Form:
    """Check a decoded form file and coerce numbers to their text.  Raises FormError."""
    if not isinstance(data, dict):
        raise FormError("表单文件的内容应为一个 JSON 对象")
    if data.get("format") != FORMAT:
        raise FormError(f"不是绩效自评表单文件（format 应为 \"{FORMAT}\"）", "format")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FormError("版本号无效", "version")
    if version > VERSION:
        raise FormError(f"表单文件版本 {version} 比本程序新，请升级程序后再打开", "version")
    template = data.get("template")
    if not isinstance(template, str) or not template:
        raise FormError("缺少模板编号", "template")
    if known_templates is None:
        from .templates import template_ids
        known_templates = set(template_ids())
    if template not in known_templates:
        raise FormError(f"未知的模板“{template}”", "template")
    profile = data.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise FormError("计分方案应为文字", "profile")
    if profile:
        from .profiles import profile_ids
        if profile not in profile_ids():
            raise FormError(f"未知的计分方案“{profile}”", "profile")
    year = data.get("year")
    if year is not None:
        if isinstance(year, bool) or not isinstance(year, (int, str)):
            raise FormError("年度应为四位数字", "year")
        if isinstance(year, str) and year.strip() and not (year.strip().isdigit() and len(year.strip()) == 4):
            raise FormError("年度应为四位数字", "year")
        if isinstance(year, int) and not (1000 <= year <= 9999):
            raise FormError("年度应为四位数字", "year")

    header = _dict(data.get("header"), "header")
    for k in list(header):
        header[k] = _check_scalar(header[k], f"header.{k}")

    funds = _dict(data.get("funds"), "funds")
    if "total" in funds:
        total = _dict(funds["total"], "funds.total")
        for k in FUND_KEYS + ("rate",):
            if k in total:
                total[k] = _check_scalar(total[k], f"funds.total.{k}")
    for part in ("sources", "uses"):
        rows = _list(funds.get(part), f"funds.{part}")
        if len(rows) > 1000:
            raise FormError("资金行过多", f"funds.{part}")
        for i, row in enumerate(rows):
            row = _dict(row, f"funds.{part}.{i}", allow_none=False)
            for k in FUND_KEYS + ("rate",):
                if k in row:
                    row[k] = _check_scalar(row[k], f"funds.{part}.{i}.{k}")

    goals = _list(data.get("goals"), "goals")
    if len(goals) > MAX_GOALS:
        raise FormError(f"年度目标过多（最多 {MAX_GOALS} 个）", "goals")
    count = 0
    for gi, goal in enumerate(goals):
        goal = _dict(goal, f"goals.{gi}", allow_none=False)
        for k in ("title", "planned", "achieved"):
            if k in goal:
                goal[k] = _check_scalar(goal[k], f"goals.{gi}.{k}")
        inds = _list(goal.get("indicators"), f"goals.{gi}.indicators")
        count += len(inds)
        if count > MAX_INDICATORS:
            raise FormError(f"绩效指标过多（最多 {MAX_INDICATORS} 行）", f"goals.{gi}.indicators")
        for ii, ind in enumerate(inds):
            where = f"goals.{gi}.indicators.{ii}"
            ind = _dict(ind, where, allow_none=False)
            for k in INDICATOR_KEYS:
                if k == "tier" or k not in ind:
                    continue
                ind[k] = _check_scalar(ind[k], f"{where}.{k}")
            tier = ind.get("tier")
            if isinstance(tier, float) and tier in (1, 2, 3):
                tier = ind["tier"] = int(tier)
            if tier is not None and (type(tier) is not int or tier not in (1, 2, 3)):
                if isinstance(tier, str) and tier.strip() in ("1", "2", "3"):
                    ind["tier"] = int(tier.strip())
                elif tier == "":
                    ind["tier"] = None
                else:
                    raise FormError("定性档次应为 1、2、3 或空", f"{where}.tier")
    texts = _dict(data.get("texts"), "texts")
    for k in list(texts):
        texts[k] = _check_scalar(texts[k], f"texts.{k}")
    # A null where a container belongs means empty.
    for key, empty in (("header", dict), ("funds", dict), ("goals", list), ("texts", dict)):
        if key in data and data[key] is None:
            data[key] = empty()
    if isinstance(data.get("funds"), dict):
        for key, empty in (("total", dict), ("sources", list), ("uses", list)):
            if key in data["funds"] and data["funds"][key] is None:
                data["funds"][key] = empty()
    for goal in data.get("goals") or []:
        if "indicators" in goal and goal["indicators"] is None:
            goal["indicators"] = []
    return Form(data)


def loads(text: str | bytes, known_templates: set[str] | None = None) -> Form:
    """Read a form file's text.  Raises FormError with a Chinese message."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise FormError("文件过大，不是有效的表单文件")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            if e.reason == "unexpected end of data":
                raise FormError("文件不完整（可能被截断），不是有效的 JSON") from None
            raise FormError("文件不是 UTF-8 编码的文字，无法读取") from None
    elif len(text) > MAX_FILE_BYTES:
        raise FormError("文件过大，不是有效的表单文件")
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise FormError("文件结构嵌套过深，不是有效的表单文件") from None
    except json.JSONDecodeError as e:
        raise FormError(f"文件不是有效的 JSON（第 {e.lineno} 行第 {e.colno} 列附近）") from None
    except ValueError as e:
        raise FormError(str(e)) from None
    return validate(data, known_templates)


def _reject_constant(name: str):
    raise ValueError(f"文件中含有无效的数字 {name}")


def load(path, known_templates: set[str] | None = None) -> Form:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise FormError(f"找不到文件：{path}") from None
    except IsADirectoryError:
        raise FormError(f"这是一个文件夹，不是表单文件：{path}") from None
    except PermissionError:
        raise FormError(f"没有权限读取文件：{path}") from None
    except OSError as e:
        raise FormError(f"无法读取文件：{path}（{e.strerror or e}）") from None
    return loads(raw, known_templates)


def dump(form: Form, path) -> None:
    """Write the form file atomically (temp file, then rename)."""
    from .atomic import atomic_write_bytes
    atomic_write_bytes(path, (form.to_json() + "\n").encode("utf-8"))
