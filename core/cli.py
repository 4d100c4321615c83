"""The command line (FORM-FORMAT.md): ``score``, ``export``, ``import``.

Exit status 0 when done, 2 for bad input with one Chinese line on stderr —
never a traceback for bad input.
"""
from __future__ import annotations

import argparse
import json
import sys

from .model import FormError, load
from .templates import template_ids

EXIT_BAD_INPUT = 2


class CliError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own messages are English; say it in Chinese
        raise CliError(f"命令行参数有误：{message}。用法见 python main.py --help")


def _load_form(path: str):
    return load(path, known_templates=set(template_ids()))


def cmd_score(args) -> int:
    from .evaluate import evaluate
    form = _load_form(args.form)
    try:
        result = evaluate(form)
    except KeyError as e:
        raise CliError(f"未知的计分方案 {e}（文件：{args.form}）") from None
    if getattr(args, "explain", False):
        from .explain import explain_lines
        sys.stdout.write("".join(line + "\n" for line in explain_lines(form, result)))
        return 0
    sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
    return 0


def cmd_export(args) -> int:
    if not args.xlsx and not args.pdf:
        raise CliError("请用 --xlsx 或 --pdf 指定至少一个输出文件")
    form = _load_form(args.form)
    from .export import export_form
    export_form(form, xlsx=args.xlsx, pdf=args.pdf)
    return 0


def cmd_import(args) -> int:
    from .imports import import_workbook
    from .model import dump
    form = import_workbook(args.file)
    dump(form, args.output)
    for note in form.data.get("import_notes") or []:          # cells that could not be read
        sys.stderr.write(f"提示：{note['where']}：{note['message']}\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="main.py", description="绩效自评填报工具")
    p.add_argument("--db", help="表单库文件（SQLite），默认在用户数据文件夹中")
    sub = p.add_subparsers(dest="command")
    s = sub.add_parser("score", help="计算表单文件的得分并输出 JSON")
    s.add_argument("form")
    s.add_argument("--explain", action="store_true", help="每个得分输出一行计分说明（文字），不输出 JSON")
    s.set_defaults(func=cmd_score)
    e = sub.add_parser("export", help="把表单文件导出为 Excel 和/或 PDF")
    e.add_argument("form")
    e.add_argument("--xlsx")
    e.add_argument("--pdf")
    e.set_defaults(func=cmd_export)
    i = sub.add_parser("import", help="从 Excel 工作簿读回表单文件")
    i.add_argument("file")
    i.add_argument("-o", "--output", required=True)
    i.set_defaults(func=cmd_import)
    return p


def run(argv: list[str]) -> int:
    """Run a command; returns the exit status.  Bad input never raises."""
    from .atomic import WriteError
    try:
        args = build_parser().parse_args(argv)
        if not getattr(args, "func", None):
            raise CliError("请指定命令：score、export 或 import")
        return args.func(args)
    except (CliError, FormError, WriteError) as e:
        _say(str(e))
        return EXIT_BAD_INPUT
    except Exception as e:  # an input we did not foresee: still one plain line, no traceback
        name = type(e).__name__
        if name in ("ImportError_", "ExportError"):
            _say(str(e))
        else:
            _say(f"处理失败：{e}（{name}）")
        return EXIT_BAD_INPUT


def _say(message: str) -> None:
    line = " ".join(str(message).split())
    sys.stderr.write(line + "\n")
