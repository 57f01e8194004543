"""Errors a user can cause, each naming the file, the line and the criterion."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file, in plain words."""

    file: str
    line: int | None
    message: str
    criterion: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        about = f"criterion {self.criterion}: " if self.criterion else ""
        return f"{where}: {about}{self.message}"


class LabelnrError(Exception):
    """Base of every error the core raises on purpose: callers catch this, not Exception."""


class InvalidFile(LabelnrError):
    """An input file (referential, assessment, workbook) is not valid; nothing was changed."""

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("InvalidFile needs at least one problem")
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def single(cls, file: str | Path, message: str, line: int | None = None,
               criterion: str | None = None) -> InvalidFile:
        return cls([Problem(str(file), line, message, criterion)])
