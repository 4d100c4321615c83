"""绩效自评填报工具 — entry point.

    python main.py                      open the app on the default store
    python main.py --db FILE            open the app on another store
    python main.py score FORM.json      print the scored form as JSON
    python main.py export FORM.json --xlsx OUT.xlsx --pdf OUT.pdf
    python main.py import FILE.xlsx -o FORM.json
"""
import sys

COMMANDS = {"score", "export", "import"}


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # A first word that is not an option is a command (an unknown one is refused by the CLI,
    # which lists the commands, instead of opening the window).
    if argv[:1] and (not argv[0].startswith("-") or argv[0] in ("-h", "--help")):
        from core.cli import run
        return run(argv)
    from ui.app import run_app
    return run_app(argv)


if __name__ == "__main__":
    sys.exit(main())
