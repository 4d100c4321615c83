"""The command line (FORM-FORMAT.md): ``score``, ``export``, ``import``, ``package``.

Exit status 0 when done, 2 for bad input with one Chinese line on stderr —
never a traceback for bad input.
"""
from __future__ import annotations

import argparse
import json
import sys

from core.form import FormError, load, template_ids

EXIT_BAD_INPUT = 2
ALLOW_MISSING = "--allow-missing-glyphs"
ALLOW_UNFINISHED = "--allow-unfinished"
MAX_LISTED = 20            # lines of what is left to finish, before the count


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


def program_name() -> str:
    """How this program was started, for its usage lines: ``ziping-cli.exe`` (or ``ziping.exe``) in
    the Windows build, ``python main.py`` from the source."""
    import os
    if getattr(sys, "frozen", False):
        return os.path.basename(sys.executable) or "ziping-cli"
    argv0 = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if argv0 in ("", "-c", "main.py", "__main__.py"):
        return "python main.py"
    return argv0


def _chinese(message: str) -> str:
    import re
    for pattern, text in _ARGPARSE_CHINESE:
        m = re.fullmatch(pattern, message.strip())
        if m:
            return text.format(*m.groups())
    return "参数不正确"


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse in Chinese: its own words of the help (usage, headings, -h) too."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本说明后退出")

    def error(self, message):
        raise CliError(f"命令行参数有误：{_chinese(message)}。用法见 {program_name()} --help")


def command_names() -> list[str]:
    """The commands this program knows, in the order they were added."""
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def _unknown_command(word: str) -> str:
    return f"未知的命令“{word}”。可用的命令：{'、'.join(command_names())}。用法见 {program_name()} --help"


def _load_form(path: str):
    return load(path, known_templates=set(template_ids()))


def cmd_score(args) -> int:
    from core.rules import evaluate
    form = _load_form(args.form)
    try:
        result = evaluate(form)
    except KeyError as e:
        raise CliError(f"未知的计分方案 {e}（文件：{args.form}）") from None
    if getattr(args, "explain", False):
        from core.rules import explain_lines
        text = "".join(line + "\n" for line in explain_lines(form, result))
    else:
        text = json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"
    if getattr(args, "output", None):
        # a file of our own, UTF-8 whatever the console: PowerShell 5.1's `>` writes UTF-16
        from core.files import atomic_write_bytes
        atomic_write_bytes(args.output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    return 0


def cmd_export(args) -> int:
    if not args.xlsx and not args.pdf:
        raise CliError("请用 --xlsx 或 --pdf 指定至少一个输出文件")
    form = _load_form(args.form)
    from core.export import ExportError, export_form
    allow = bool(args.pdf) and args.allow_missing_glyphs
    try:
        export_form(form, xlsx=args.xlsx, pdf=args.pdf, allow_missing=allow)
    except ExportError as e:
        if e.missing:   # characters no bundled font has: say how to export anyway
            raise CliError(f"{e} 要仍然导出，请加参数 {ALLOW_MISSING}。") from None
        raise
    if allow:
        from core.export import missing_glyphs
        chars = "".join(dict.fromkeys(ch for _, ch in missing_glyphs(form)))
        if chars:
            _say(f"已导出；PDF 中这些字印成了“□”：{chars}")
    return 0


def cmd_import(args) -> int:
    from core.form import dump
    from core.reading import import_workbook
    form = import_workbook(args.file)
    dump(form, args.output)
    for note in form.data.get("import_notes") or []:          # cells that could not be read
        sys.stderr.write(f"提示：{note['where']}：{note['message']}\n")
    return 0


def cmd_package(args) -> int:
    """报送材料: from the store (--db, --year, --unit) or from form files of one unit and year."""
    from pathlib import Path

    from core.package import (Entry, check_glyphs, make_package, problems, unfinished, unit_entries_from_store,
                              write_package)
    if args.forms and (args.year or args.unit):
        raise CliError("请二选一：用 --db --year --unit 从表单库导出，或给出表单文件")
    if args.forms:
        # a file named twice (a.json a.json, *.json a.json) is one project, not two in the 汇总表
        files = list({str(Path(f).resolve()): f for f in reversed(args.forms)}.values())[::-1]
        entries = [Entry(_load_form(f), f) for f in files]
        years = {e.form.year for e in entries}
        units = {_unit(e) for e in entries}
        if len(years) > 1 or len(units) > 1:
            raise CliError("这些表单文件不属于同一单位和年度："
                           + "；".join(f"{Path(str(e.ref)).name}（{e.form.year or '无年度'}，{_unit(e) or '无单位'}）"
                                      for e in entries))
        pkg = make_package(entries)
    else:
        if not (args.year and args.unit):
            raise CliError("请用 --year 和 --unit 指定年度和单位（表单库见 --db），或给出表单文件")
        from core.package import load_texts, unit_key
        from core.store import Store, StoreError, default_store_path
        try:
            with Store(getattr(args, "db", None) or default_store_path(), readonly=True) as store:
                entries = unit_entries_from_store(store, args.year, args.unit)
                unit_edits = load_texts(store, unit_key(args.year, args.unit.strip()))
        except StoreError as e:
            raise CliError(str(e)) from None
        if not entries:
            raise CliError(f"表单库中没有 {args.year} 年度“{args.unit}”的表")
        pkg = make_package(entries, args.year, args.unit.strip(), unit_edits)
    missing = check_glyphs(pkg)
    if missing and not args.allow_missing_glyphs:
        raise CliError("PDF 字体中没有以下字符：" + "；".join(f"{t}：{c}" for t, c in missing)
                       + "。加 --allow-missing-glyphs 仍然导出（这些字将印成“□”）")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise CliError(f"无法写入报送材料：“{out}”是一个文件，不是文件夹。")
    left = unfinished(pkg)
    if left and not args.allow_unfinished:
        for line in left[:MAX_LISTED]:
            sys.stderr.write(line + "\n")
        more = f"（以上是前 {MAX_LISTED} 处）" if len(left) > MAX_LISTED else ""
        raise CliError(f"还有 {len(left)} 处没有完成{more}：表中的错误和自评报告中的【请填写】。"
                       f"请改好后再导出；要仍然导出，请加参数 {ALLOW_UNFINISHED}。")
    for title, _ref, errors in problems(pkg.entries):
        sys.stderr.write(f"提示：“{title}”还有 {len(errors)} 处错误：" + "；".join(f.message for f in errors[:3])
                         + ("……" if len(errors) > 3 else "") + "\n")
    path = write_package(pkg, args.output, as_zip=args.zip)
    sys.stdout.write(f"{path}\n")
    return 0


def _unit(entry) -> str:
    from core.package import unit_of
    return unit_of(entry.form, entry.scores.template)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=program_name(), description="绩效自评填报工具")
    p.add_argument("--db", help="表单库文件（SQLite），默认在用户数据文件夹中")
    sub = p.add_subparsers(dest="command")
    s = sub.add_parser("score", help="计算表单文件的得分并输出 JSON")
    s.add_argument("form")
    s.add_argument("--explain", action="store_true", help="每个得分输出一行计分说明（文字），不输出 JSON")
    s.add_argument("-o", "--output", metavar="FILE", help="写入这个文件（UTF-8），不输出到屏幕")
    s.set_defaults(func=cmd_score)
    e = sub.add_parser("export", help="把表单文件导出为 Excel 和/或 PDF")
    e.add_argument("form", metavar="FORM.json", help="表单文件")
    e.add_argument("--xlsx", metavar="FILE.xlsx", help="导出的 Excel 文件")
    e.add_argument("--pdf", metavar="FILE.pdf", help="导出的 PDF 文件")
    e.add_argument(ALLOW_MISSING, action="store_true",
                   help="PDF 字体中没有的字印成“□”，仍然导出（默认：列出这些字和所在单元格，不导出）")
    e.set_defaults(func=cmd_export)
    i = sub.add_parser("import", help="从 Excel 工作簿读回表单文件")
    i.add_argument("file")
    i.add_argument("-o", "--output", required=True)
    i.set_defaults(func=cmd_import)
    k = sub.add_parser("package", help="导出一个单位一个年度的报送材料（全部表、汇总表和自评报告）")
    k.add_argument("forms", nargs="*", metavar="FORM.json", help="同一单位同一年度的表单文件")
    k.add_argument("-o", "--output", required=True, help="放报送材料的文件夹")
    k.add_argument("--zip", action="store_true", help="写成一个 .zip 文件")
    k.add_argument("--db", default=argparse.SUPPRESS, help="表单库文件（SQLite）")
    k.add_argument("--year", type=int, help="年度，如 2022")
    k.add_argument("--unit", help="单位名称，与表中的实施单位/单位名称一致")
    k.add_argument("--allow-missing-glyphs", action="store_true", help="PDF 字体缺字时仍然导出（缺的字印成“□”）")
    k.add_argument(ALLOW_UNFINISHED, action="store_true",
                   help="表中还有错误、自评报告中还有【请填写】时仍然导出（默认：逐条列出，不导出）")
    k.set_defaults(func=cmd_package)
    return p


def run(argv: list[str]) -> int:
    """Run a command; returns the exit status.  Bad input never raises."""
    from core.files import WriteError
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
        from core.files import os_reason
        where = f"：{e.filename}" if getattr(e, "filename", None) else ""
        return f"处理失败（{os_reason(e)}）{where}"
    if re.search(r"[\u4e00-\u9fff]", text) and not re.search(r"\b[A-Z]\w*(Error|Exception)\b", text):
        return text
    return "处理失败：程序遇到了意外的问题。请检查输入文件；如果问题仍然出现，请把文件发给维护人员。"


def _say(message: str) -> None:
    line = " ".join(str(message).split())
    sys.stderr.write(line + "\n")
