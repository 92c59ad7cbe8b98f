"""Errors a user can fix. Each names the file, feature and problem in the user's language.

Anything that is not a GisdeskError is a bug in gisdesk: the CLI exits 1 for those
and 2 for these.
"""

from __future__ import annotations

from gisdesk.i18n import tr


class GisdeskError(Exception):
    """Base of the errors a user can fix. Built with both languages; str() picks one."""

    def __init__(self, zh: str, en: str, **values):
        self.zh, self.en, self.values = zh, en, values
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return tr(self.zh, self.en, **self.values)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        """Pickle by state (a job in a child process sends its error to the UI this way)."""
        return _restore, (type(self), self.__dict__)


def _restore(cls, state):
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, error.message)
    return error


class InputError(GisdeskError):
    """A source file or argument cannot be used as given."""


class ValidationError(InputError):
    """Features break the schema of their layer kind."""


class ProjectError(GisdeskError):
    """The project file is missing, not a gisdesk project, or inconsistent."""


class RuleError(InputError):
    """The rule file (TOML) is unreadable or has wrong values."""


class Cancelled(Exception):
    """The user cancelled a running job. Not an error: nothing was changed."""
