"""绩效自评填报工具 — entry point.

    python main.py                      open the app on the default store
    python main.py --db FILE            open the app on another store
    python main.py FILE.db|FORM.json|BOOK.xlsx …   the same for files dropped on ziping.exe or opened
                                        with it: a .db is the store, forms and workbooks are imported
    python main.py score FORM.json      print the scored form as JSON
    python main.py export FORM.json --xlsx OUT.xlsx --pdf OUT.pdf
    python main.py import FILE.xlsx -o FORM.json
    python main.py package -o DIR [--zip] (--db STORE --year 2022 --unit 单位 | FORM.json …)

The Windows build has two programs: ziping.exe (windowed: no stdout or stderr, both None) and
ziping-cli.exe (console, built without Qt: it never opens the window).  A command given to
ziping.exe is run in the console it was typed in when there is one (AttachConsole), else a message
box points to ziping-cli.exe — never a traceback.
"""
import os
import sys

COMMANDS = {"score", "export", "import", "package"}
CLI_EXE = "ziping-cli.exe"

CLI_HINT = ("ziping.exe 是窗口程序，不能在命令行中输出结果。\n\n"
            f"请改用同一文件夹中的 {CLI_EXE}，例如在“命令提示符”中输入：\n"
            f"    {CLI_EXE} score 表单.json\n"
            f"    {CLI_EXE} export 表单.json --xlsx 表.xlsx --pdf 表.pdf\n"
            f"    {CLI_EXE} import 表.xlsx -o 表单.json\n"
            f"    {CLI_EXE} package -o 文件夹 --year 2022 --unit 单位")


def _no_streams() -> bool:
    return sys.stdout is None or sys.stderr is None


def attach_console() -> bool:
    """Windows: write to the console of the command prompt that started the windowed exe."""
    if sys.platform != "win32":
        return False
    try:
        import ctypes
        if not ctypes.windll.kernel32.AttachConsole(-1):          # ATTACH_PARENT_PROCESS
            return False
        out = open("CONOUT$", "w", encoding="utf-8", errors="replace")   # noqa: SIM115
        sys.stdout = sys.stdout or out
        sys.stderr = sys.stderr or out
        out.write("\n")
        return True
    except Exception:             # noqa: BLE001 - no console to be had: the message box says it
        return False


def show_cli_hint(message: str = CLI_HINT) -> None:
    """The message box of a command given to the windowed exe (replaced in the tests)."""
    if sys.platform == "win32":
        try:
            import ctypes
            ctypes.windll.user32.MessageBoxW(None, message, "绩效自评填报", 0x40)   # MB_ICONINFORMATION
            return
        except Exception:         # noqa: BLE001 - fall back to Qt
            pass
    try:
        from PySide6.QtWidgets import QApplication

        from ui import common
        if QApplication.instance() is None:
            QApplication(["ziping"])
        common.show_info(None, message, "请使用 " + CLI_EXE)
    except Exception:             # noqa: BLE001 - nothing more can be said without a screen
        pass


WINDOW_FILES = (".db", ".json", ".xlsx")       # what the window opens (a store) or imports (a form)


def for_the_window(argv: list[str]) -> bool:
    """The window takes nothing, ``--db FILE`` (``--db=FILE``) and files: a store (.db), form files
    and workbooks to import, or any other existing file or folder (which the window refuses in
    Chinese: an .xls, an .et) — what Explorer passes when files are dropped on ziping.exe or opened
    with it.  Any other word (``--db F packge``, ``--bogus``, a command) goes to the
    command line, which refuses it in Chinese instead of opening the window."""
    words = list(argv)
    if words[:1] == ["--db"]:
        if len(words) < 2:
            return False
        words = words[2:]
    elif words[:1] and words[0].startswith("--db="):
        words = words[1:]
    return all(w not in COMMANDS and not w.startswith("-") and (w.lower().endswith(WINDOW_FILES) or os.path.exists(w))
               for w in words)


def is_cli_exe() -> bool:
    """The frozen console program (ziping-cli.exe): built without Qt, it only runs commands."""
    return bool(getattr(sys, "frozen", False)) and os.path.basename(sys.executable).lower().startswith("ziping-cli")


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # A first word that is not an option is a command (an unknown one is refused by the CLI,
    # which lists the commands, instead of opening the window).
    if is_cli_exe() or not for_the_window(argv):
        if _no_streams() and not attach_console():
            show_cli_hint()
            return 2
        from core.cli import run
        return run(argv)
    from ui.app import run_app
    return run_app(argv)


if __name__ == "__main__":
    sys.exit(main())
