"""What every command shares: a parser that speaks French, the migrated database, OS errors.

The command line speaks French, like the services whose messages it prints (validation,
permissions, unknown communes…): one language per command, and the same for all of them.
argparse's own words (usage, required arguments, invalid choices) are translated here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import re
import sys

from diagnostics.errors import DiagnosticsError

RECIPIENT_HELP = "à qui le fichier est remis (journal d'audit ; pied de page des PNG et PDF)"

# argparse's messages (Python 3.11–3.13) → French; anything else is printed as argparse words it.
_ARGPARSE_MESSAGES = (
    (r"the following arguments are required: (.*)", r"arguments obligatoires manquants : \1"),
    (r"argument (.*?): invalid choice: (.*) \(choose from (.*)\)", r"argument \1 : choix invalide : \2 (parmi \3)"),
    (r"argument (.*?): invalid (\w+) value: (.*)", r"argument \1 : valeur invalide : \3"),
    (r"argument (.*?): expected one argument", r"argument \1 : une valeur est attendue"),
    (r"argument (.*?): not allowed with argument (.*)", r"argument \1 : incompatible avec \2"),
    (r"one of the arguments (.*) is required", r"l'un des arguments \1 est obligatoire"),
    (r"unrecognized arguments: (.*)", r"arguments non reconnus : \1"),
    (r"argument (.*?): (.*)", r"argument \1 : \2"),
)
_HEADINGS = {"usage": "utilisation", "positional arguments": "arguments"}
_OS_ERRORS = {
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.EEXIST: "le fichier existe déjà",
    errno.ENOSPC: "plus de place sur le disque",
    errno.EISDIR: "c'est un dossier",
    errno.ENOTDIR: "n'est pas un dossier",
    errno.EROFS: "système de fichiers en lecture seule",
}


class FrenchParser(argparse.ArgumentParser):
    """argparse with French headings, help option and error messages."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")

    def format_usage(self) -> str:
        return _french_headings(super().format_usage())

    def format_help(self) -> str:
        return _french_headings(super().format_help())

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {translate_argparse(message)}\n")


def translate_argparse(message: str) -> str:
    for pattern, french in _ARGPARSE_MESSAGES:
        if re.fullmatch(pattern, message, flags=re.DOTALL):
            return re.sub(pattern, french, message, flags=re.DOTALL)
    return message


def _french_headings(text: str) -> str:
    """« usage: » → « utilisation : », and a section title « options: » → « options : »."""
    text = re.sub(r"^usage: ", "utilisation : ", text)
    return re.sub(r"(?m)^(\S[^\n]*?):$", lambda m: f"{_HEADINGS.get(m[1], m[1])} :", text)


def os_error_message(exc: OSError) -> str:
    """« fichier ou dossier introuvable : sortie/carte.png » (the OS words them in English)."""
    reason = _OS_ERRORS.get(exc.errno or 0) or exc.strerror or str(exc)
    return f"{reason} : {exc.filename}" if exc.filename else reason


class migrated_database:
    """An open, migrated database for the commands that read it."""

    def __enter__(self):
        from diagnostics.db import open_database, schema_revision

        self.db = open_database()
        if schema_revision(self.db) is None:
            self.db.dispose()
            raise DiagnosticsError(
                "La base de données n'a pas encore de schéma : lancez d'abord `python -m diagnostics init`."
            )
        return self.db

    def __exit__(self, *exc_info):
        self.db.dispose()


def iso_date(text: str) -> dt.date:
    """An argparse type: a date written AAAA-MM-JJ, refused in French otherwise."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"date invalide : {text!r} (attendu AAAA-MM-JJ, par exemple 2025-01-31)"
        ) from None
