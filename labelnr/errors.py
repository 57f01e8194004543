"""Errors a user can cause, each naming the file, the line and the criterion.

Every error a person may read carries a stable ``code`` and its ``params`` (as pydantic's
error ``type`` and ``ctx``); :func:`render` turns it into their language through the catalog
``labelnr/locales/errors.yaml`` (key ``errors.<code>``). ``str(error)`` stays English, for logs.
An error raised without a code (or with a code the catalog lacks) shows its English text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

Params = Mapping[str, Any]


def _log_value(value: Any) -> str:
    """A parameter in the English log text: ISO dates, as before codes existed."""
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_log_value(v) for v in value)
    return str(value)


def has_code(code: str | None) -> bool:
    from labelnr.i18n import catalog  # the catalogs (and PyYAML) only once an error needs them

    return code is not None and f"errors.{code}" in catalog()


def message(code: str, params: Params, lang: str | None) -> str:
    """The catalog text of ``code`` in ``lang`` (``None``: the English log text)."""
    from labelnr.i18n import translate

    if lang is None:
        fields = {k: _log_value(v) for k, v in params.items()}
        return translate(f"errors.{code}", "en", **fields)
    from labelnr.formatting import format_value  # Babel only when a message is shown

    return translate(f"errors.{code}", lang, **{k: format_value(v, lang) for k, v in params.items()})


class Msg(str):
    """A catalog message used as a parameter of another (the subject of a conflict...) or kept in a
    report (why a migration dropped something).

    As a string it is its English text (logs, JSON, comparisons); :meth:`shown` gives it in a language.
    """

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, /, **params: Any) -> Msg:
        msg = super().__new__(cls, message(code, params, None))
        msg.code, msg.params = code, params
        return msg

    def shown(self, lang: str | None) -> str:
        return message(self.code, self.params, lang)

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:  # copy and pickle rebuild it
        return (self.code,), self.params


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file, in plain words (``message`` is the English text)."""

    file: str
    line: int | None
    message: str
    criterion: str | None = None
    code: str | None = None
    params: Params = field(default_factory=dict, hash=False)

    @classmethod
    def of(cls, file: str | Path, line: int | None, code: str, /, criterion: str | None = None,
           **params: Any) -> Problem:
        """A problem with a catalog code; its English message comes from the catalog."""
        return cls(str(file), line, message(code, params, None), criterion, code, params)

    def text(self, lang: str | None) -> str:
        """The message alone, in ``lang`` when it has a code (English otherwise)."""
        if lang is None or not has_code(self.code):
            return self.message
        assert self.code is not None
        return message(self.code, self.params, lang)

    def render(self, lang: str | None) -> str:
        from labelnr.i18n import translate

        if lang is None:
            return str(self)
        where = f"{self.file}:{self.line}" if self.line else self.file
        about = translate("errors.about_criterion", lang, criterion=self.criterion) if self.criterion else ""
        return translate("errors.problem_at", lang, where=where, about=about, message=self.text(lang))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        about = f"criterion {self.criterion}: " if self.criterion else ""
        return f"{where}: {about}{self.message}"


class ProblemLine(str):
    """A problem kept as its English line (``str``: logs, comparisons), still shown in a language."""

    problem: Problem

    def __new__(cls, problem: Problem) -> ProblemLine:
        line = super().__new__(cls, str(problem))
        line.problem = problem
        return line

    def shown(self, lang: str | None) -> str:
        return self.problem.render(lang)

    def __getnewargs_ex__(self) -> tuple[tuple[Problem], dict[str, Any]]:  # copy and pickle rebuild it
        return (self.problem,), {}


class LabelnrError(Exception):
    """Base of every error the core raises on purpose: callers catch this, not Exception."""

    def __init__(self, *args: object, code: str | None = None, params: Params | None = None) -> None:
        super().__init__(*args)
        self.code = code
        self.params: dict[str, Any] = dict(params or {})

    @classmethod
    def of(cls, code: str, /, **params: Any) -> Self:
        """The error ``code``; ``str()`` is its English catalog text with ``params`` filled in."""
        return cls(message(code, params, None), code=code, params=params)


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

    @classmethod
    def coded(cls, file: str | Path, code: str, /, line: int | None = None,
              criterion: str | None = None, **params: Any) -> InvalidFile:
        return cls([Problem.of(file, line, code, criterion, **params)])


def render(error: BaseException, lang: str | None) -> str:
    """What a person reads: every problem of an invalid file, or the error's message, in ``lang``.

    An error without a code (or whose code the catalog lacks) falls back to its English text.
    """
    if isinstance(error, InvalidFile):
        return "\n".join(p.render(lang) for p in error.problems)
    code = getattr(error, "code", None)
    if lang is None or not isinstance(code, str) or not has_code(code):
        return str(error)
    return message(code, getattr(error, "params", {}), lang)
