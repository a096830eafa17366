"""Exceptions the application raises on purpose.

Each carries a message meant for a person: the command line prints it as one line,
pages show it with st.error. Messages about user input are in French.
"""

from __future__ import annotations


class DiagnosticsError(Exception):
    """Base class: an expected failure with a readable message."""


class DatabaseUnavailable(DiagnosticsError):
    """The database cannot be reached or opened."""


class SpatialiteUnavailable(DatabaseUnavailable):
    """SQLite is there but the SpatiaLite extension cannot be loaded."""


class NotFound(DiagnosticsError):
    """A record asked for by its key does not exist."""


class ValidationError(DiagnosticsError):
    """User input was refused. `errors` maps each field to a French message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__(" ; ".join(self.errors.values()))


class PermissionDenied(DiagnosticsError):
    """The acting user may not do this. The message is French and says why."""


class Conflict(DiagnosticsError):
    """Someone else changed the record since it was read (optimistic locking)."""
