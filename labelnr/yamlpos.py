"""Safe YAML loading that remembers the line of every value.

Validation errors carry a location (a path of keys and indexes, as pydantic gives
them); this module turns such a path back into the line a person must open.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer

from labelnr.errors import InvalidFile, Problem

Loc = tuple[str | int, ...]

#: Refuse absurd inputs before parsing them (a referential is a few hundred KB).
MAX_BYTES = 5 * 1024 * 1024
#: Deepest nesting of lists and mappings accepted (real files stay under 8 levels); deeper
#: input is refused before the recursive steps that would overflow the stack.
MAX_DEPTH = 32


class Located:
    """Parsed YAML data plus the line (1-based) of each path inside it."""

    def __init__(self, data: Any, lines: dict[Loc, int], file: str) -> None:
        self.data = data
        self.lines = lines
        self.file = file

    def line_of(self, loc: Loc) -> int | None:
        """The line of ``loc``, or of its nearest enclosing value that has one."""
        path = tuple(loc)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def problem(self, loc: Loc, message: str, criterion: str | None = None,
                code: str | None = None, params: Mapping[str, Any] | None = None) -> Problem:
        return Problem(self.file, self.line_of(loc), message, criterion, code, dict(params or {}))

    def coded(self, loc: Loc, code: str, /, criterion: str | None = None, **params: Any) -> Problem:
        """A problem at ``loc`` with a catalog code (its English message from the catalog)."""
        return Problem.of(self.file, self.line_of(loc), code, criterion, **params)


# libyaml's parser when PyYAML has it (several times faster on a whole referential); the
# nodes, marks and safe constructors are the same.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Builder(Composer, _SafeBase):  # type: ignore[misc,valid-type]
    """libyaml's events, composed by PyYAML's composer so that each node can be checked first.

    An alias repeats a whole subtree, so a few hundred bytes of nested aliases expand to
    billions of values ("billion laughs"): anchors and aliases are refused where they appear,
    as is nesting deeper than :data:`MAX_DEPTH`.
    """

    def __init__(self, text: str) -> None:
        _SafeBase.__init__(self, text)
        Composer.__init__(self)  # libyaml's loader composes in C and never sets up this one
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(line, "yaml_alias")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(line, "yaml_too_deep", depth=MAX_DEPTH)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Refused(Exception):
    """Raised inside the composer; :func:`parse` turns it into an :class:`InvalidFile`."""

    def __init__(self, line: int, code: str, /, **params: Any) -> None:
        super().__init__(code)
        self.line, self.code, self.params = line, code, params


_PLAIN_TAGS: dict[type[yaml.Node], str] = {
    yaml.MappingNode: "tag:yaml.org,2002:map",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
}


def _build(node: yaml.Node, loader: _Builder, path: Loc, lines: dict[Loc, int], file: str) -> Any:
    lines[path] = node.start_mark.line + 1
    # Mappings and lists are built here, not by the SafeLoader: refuse tags it would refuse
    # (``!!python/object`` ...) instead of silently reading the node as plain data.
    plain = _PLAIN_TAGS.get(type(node))
    if plain is not None and node.tag != plain:
        raise InvalidFile.coded(file, "yaml_tag", line=node.start_mark.line + 1, tag=node.tag)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise InvalidFile.coded(file, "yaml_key_not_plain", line=key_node.start_mark.line + 1)
            if key in result:
                raise InvalidFile.coded(file, "yaml_duplicate_key", line=key_node.start_mark.line + 1,
                                        key=key)
            key_s = key if isinstance(key, str) else str(key)
            result[key_s] = _build(value_node, loader, (*path, key_s), lines, file)
            lines[(*path, key_s)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, loader, (*path, i), lines, file) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def parse(text: str, file: str) -> Located:
    """Parse YAML text; a syntax error becomes an :class:`InvalidFile` with its line."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise InvalidFile.coded(file, "file_too_large", megabytes=MAX_BYTES // (1024 * 1024))
    loader = _Builder(text)
    try:
        node = loader.get_single_node()
        lines: dict[Loc, int] = {}
        data = _build(node, loader, (), lines, file) if node is not None else None
    except _Refused as exc:
        raise InvalidFile.coded(file, exc.code, line=exc.line, **exc.params) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        raise InvalidFile.coded(file, "yaml_syntax", line=line, what=what) from None
    except yaml.YAMLError as exc:
        raise InvalidFile.coded(file, "yaml_syntax", what=str(exc)) from None
    finally:
        loader.dispose()
    return Located(data, lines, file)


def unreadable(path: Path, exc: OSError) -> InvalidFile:
    """The error for a file that cannot be opened (missing, a folder, not allowed...)."""
    return InvalidFile.coded(path, "cannot_read", reason=exc.strerror or str(exc))


def read(path: Path) -> Located:
    """Read and parse a YAML file, with a clear error when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise unreadable(path, exc) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InvalidFile.coded(path, "not_utf8", line=line) from None
    return parse(text, str(path))
