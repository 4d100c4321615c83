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


_ARGPARSE_CHINESE = (   # argparse's own messages are English: say them in Chinese
    (r"the following arguments are required: (.*)", "缺少参数：{0}"),
    (r"unrecognized arguments: (.*)", "无法识别的参数：{0}"),
    (r"argument (\S+): expected one argument", "参数 {0} 后面缺少值"),
    (r"argument (\S+): invalid choice: '?([^' ]*)'? .*", "未知的命令“{1}”"),
    (r"argument (\S+): ignored explicit argument '?([^']*)'?", "参数 {0} 不需要值“{1}”"),
    (r"ambiguous option: (\S+) could match (.*)", "参数 {0} 不明确，可能是：{1}"),
)


def _chinese(message: str) -> str:
    import re
    for pattern, text in _ARGPARSE_CHINESE:
        m = re.fullmatch(pattern, message.strip())
        if m:
            return text.format(*m.groups())
    return "参数不正确"


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise CliError(f"命令行参数有误：{_chinese(message)}。用法见 python main.py --help")


def command_names() -> list[str]:
    """The commands this program knows, in the order they were added."""
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def _unknown_command(word: str) -> str:
    return f"未知的命令“{word}”。可用的命令：{'、'.join(command_names())}。用法见 python main.py --help"


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
        if argv and not argv[0].startswith("-") and argv[0] not in command_names():
            raise CliError(_unknown_command(argv[0]))
        args = build_parser().parse_args(argv)
        if not getattr(args, "func", None):
            raise CliError(f"请指定命令：{'、'.join(command_names())}")
        return args.func(args)
    except (CliError, FormError, WriteError) as e:
        _say(str(e))
        return EXIT_BAD_INPUT
    except Exception as e:  # an input we did not foresee: still one plain line, no traceback
        _say(_unforeseen(e))
        return EXIT_BAD_INPUT


def _unforeseen(e: Exception) -> str:
    """One plain Chinese line for an error nobody foresaw: its own message when that is Chinese
    (our errors are), never an exception class or English system text."""
    import re
    text = str(e)
    if isinstance(e, OSError) and not re.search(r"[\u4e00-\u9fff]", text):
        from .atomic import os_reason
        where = f"：{e.filename}" if getattr(e, "filename", None) else ""
        return f"处理失败（{os_reason(e)}）{where}"
    if re.search(r"[\u4e00-\u9fff]", text) and not re.search(r"\b[A-Z]\w*(Error|Exception)\b", text):
        return text
    return "处理失败：程序遇到了意外的问题。请检查输入文件；如果问题仍然出现，请把文件发给维护人员。"


def _say(message: str) -> None:
    line = " ".join(str(message).split())
    sys.stderr.write(line + "\n")
