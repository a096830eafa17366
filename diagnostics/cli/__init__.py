"""Parts of the command line (`python -m diagnostics`): the French parser and groups of commands."""
