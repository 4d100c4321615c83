"""Reading a form file (FORM-FORMAT.md) safely: only a regular file, bounded in size, keys and
depth, duplicate keys refused, every refusal one plain Chinese line (:class:`core.form.model.FormError`)."""
from __future__ import annotations

import json
import math
import os
import re
import stat
from typing import Any

from core.form.model import (FORMAT, FUND_KEYS, INDICATOR_KEYS, MAX_FILE_BYTES, MAX_GOALS, MAX_INDICATORS,
                             MAX_TEXT_CHARS, VERSION, Form, FormError)

MAX_KEYS = 100_000                  # keys in the whole file (a 2,000-row form has about 25,000)
MAX_DEPTH = 32                      # nesting of objects and lists (a form needs 5)
MAX_INT_DIGITS = 40                 # an integer literal longer than this is not a form's number


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
        from core.form.templates import template_ids
        known_templates = set(template_ids())
    if template not in known_templates:
        raise FormError(f"未知的模板“{template}”", "template")
    profile = data.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise FormError("计分方案应为文字", "profile")
    if profile:
        from core.form.profiles import profile_ids
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


class _Refused(ValueError):
    """A file refused while it is decoded; the message is plain Chinese."""


_KEY_RE = re.compile(r'(?<!\\)"\s*:')
_KEY_RE_B = re.compile(rb'(?<!\\)"\s*:')


def _too_many_keys(text: str | bytes) -> bool:
    """Whether a file has more than MAX_KEYS keys, known before decoding it (fast, no memory):
    every key ends in `":`, so counting those is an upper bound that stops at the limit."""
    colons = text.count(b":" if isinstance(text, bytes) else ":")
    if colons <= MAX_KEYS:
        return False
    found = 0
    for _ in (_KEY_RE_B if isinstance(text, bytes) else _KEY_RE).finditer(text):
        found += 1
        if found > MAX_KEYS:
            return True
    return False


def _pairs_hook():
    count = [0]

    def hook(pairs: list) -> dict:
        count[0] += len(pairs)
        if count[0] > MAX_KEYS:
            raise _Refused(f"文件中的键过多（最多 {MAX_KEYS} 个），不是有效的表单文件")
        out: dict = {}
        for key, value in pairs:
            if key in out:
                raise _Refused(f"文件中的键“{_short(key)}”在同一处出现了两次，无法确定用哪一个；请删去多余的一个后再打开")
            out[key] = value
        return out
    return hook


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "…"


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _Refused(f"文件中有一个 {digits} 位的整数，数字过长，不是有效的表单数据")
    return int(text)


def _depth_ok(data: Any) -> bool:
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))
    return True


def loads(text: str | bytes, known_templates: set[str] | None = None) -> Form:
    """Read a form file's text.  Raises FormError with a Chinese message."""
    if len(text) > MAX_FILE_BYTES:
        raise FormError("文件过大，不是有效的表单文件")
    if _too_many_keys(text):
        raise FormError(f"文件中的键过多（最多 {MAX_KEYS} 个），不是有效的表单文件")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            if e.reason == "unexpected end of data":
                raise FormError("文件不完整（可能被截断），不是有效的 JSON") from None
            raise FormError("文件不是 UTF-8 编码的文字，无法读取") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int,
                          object_pairs_hook=_pairs_hook())
    except RecursionError:
        raise FormError("文件结构嵌套过深，不是有效的表单文件") from None
    except json.JSONDecodeError as e:
        raise FormError(f"文件不是有效的 JSON（第 {e.lineno} 行第 {e.colno} 列附近）") from None
    except _Refused as e:
        raise FormError(str(e)) from None
    except ValueError:          # anything else the decoder refuses: never its English text
        raise FormError("文件中有无法读取的数值，不是有效的 JSON") from None
    if not _depth_ok(data):
        raise FormError(f"文件结构嵌套过深（最多 {MAX_DEPTH} 层），不是有效的表单文件")
    return validate(data, known_templates)


def _reject_constant(name: str):
    raise _Refused(f"文件中含有无效的数字 {name}")


def load(path, known_templates: set[str] | None = None) -> Form:
    """Read a form file.  Only a regular file is opened (a FIFO or a device would block or never
    end), and never more than MAX_FILE_BYTES of it."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FormError(f"找不到文件：{path}") from None
    except PermissionError:
        raise FormError(f"没有权限读取文件：{path}") from None
    except (OSError, ValueError) as e:
        raise FormError(f"无法读取文件：{path}（{getattr(e, 'strerror', None) or '路径无效'}）") from None
    if stat.S_ISDIR(st.st_mode):
        raise FormError(f"这是一个文件夹，不是表单文件：{path}")
    if not stat.S_ISREG(st.st_mode):
        raise FormError(f"这不是普通文件（可能是管道或设备），不能作为表单文件打开：{path}")
    if st.st_size > MAX_FILE_BYTES:
        raise FormError("文件过大，不是有效的表单文件")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise FormError(f"找不到文件：{path}") from None
    except IsADirectoryError:
        raise FormError(f"这是一个文件夹，不是表单文件：{path}") from None
    except PermissionError:
        raise FormError(f"没有权限读取文件：{path}") from None
    except OSError as e:
        raise FormError(f"无法读取文件：{path}（{e.strerror or '读取失败'}）") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):     # replaced between stat and open
            raise FormError(f"这不是普通文件（可能是管道或设备），不能作为表单文件打开：{path}")
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise FormError(f"无法读取文件：{path}（{e.strerror or '读取失败'}）") from None
    finally:
        if fd >= 0:
            os.close(fd)
    return loads(raw, known_templates)


def dump(form: Form, path) -> None:
    """Write the form file atomically (temp file, then rename)."""
    from core.files import atomic_write_bytes
    atomic_write_bytes(path, (form.to_json() + "\n").encode("utf-8"))
