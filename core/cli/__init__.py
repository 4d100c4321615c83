"""The command line (FORM-FORMAT.md): ``score``, ``export``, ``import`` and ``package``, for scripts
and checks.  Uses the other rooms through their doors; nothing uses it but ``main.py``."""
from core.cli.commands import run

__all__ = ["run"]
