"""Import errors, one per row and field, in Bulgarian."""
from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.message}


class ImportRejected(Exception):
    """The file had errors; nothing was imported."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


class VersionTaken(Exception):
    """Another change made the same version number first (two operators at once)."""


class EditRefused(Exception):
    """An operator's change that cannot be made; ``errors`` by field, in Bulgarian."""

    def __init__(self, detail: str, errors: list[dict] = ()):
        super().__init__(detail)
        self.detail, self.errors = detail, list(errors)
