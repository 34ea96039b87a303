"""Reading an experiment file and finding where each key sits in it.

Kept apart from the checks because it is the only part of the loader that deals
with raw text rather than parsed TOML: decoding the bytes, turning a
``tomllib.TOMLDecodeError`` into a located :class:`~metalab.errors.ConfigError`,
and mapping key paths back to line numbers, which ``tomllib`` does not keep. The
checks ask :class:`_Locator` for a line only when they report a problem.
"""

from __future__ import annotations

import contextlib
import json
import re
import tomllib
from pathlib import Path

from metalab.errors import ConfigError

KeyPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^,\]}#\r\n]*")


def _read_text(source: Path, shown: str) -> str:
    if source.is_dir():
        inside = source / "experiments.toml"
        hint = f"pass the file inside it: {inside}" if inside.is_file() else "pass a .toml file"
        raise ConfigError("is a folder, not an experiment file", path=shown, hint=hint)
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            "file not found",
            path=shown,
            hint=f"check the path (looked for {source.absolute()})",
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror or exc}", path=shown) from None
    try:
        return data.decode("utf-8-sig")  # tolerate the BOM some editors write
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            "is not valid UTF-8 text", path=shown, line=line, hint="save the file as UTF-8"
        ) from None


_AT_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


def _syntax_error(exc: tomllib.TOMLDecodeError, text: str, shown: str) -> ConfigError:
    message = str(exc)
    line: int | None = None
    column: int | None = None
    match = _AT_LINE.search(message)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        message = message[: match.start()]
    elif _AT_END.search(message):
        message = _AT_END.sub("", message)
        line = text.count("\n") + (0 if text.endswith("\n") else 1)
    message = message.strip().rstrip(".")
    problem = "invalid TOML: " + (message[:1].lower() + message[1:] if message else "syntax error")
    if column is not None:
        problem += f" (column {column})"
    hint = "fix the TOML syntax on this line; see docs/experiments-toml.md for the format"
    if line is not None:
        lines = text.splitlines()
        bare = re.match(
            r"\s*([A-Za-z0-9_.-]+)\s*=\s*([A-Za-z_][^\"'\[{#]*?)\s*(#.*)?$",
            lines[line - 1] if 0 < line <= len(lines) else "",
        )
        if bare and bare.group(2) not in ("true", "false", "inf", "nan"):
            hint = f'text values need quotes: {bare.group(1)} = "{bare.group(2)}"'
    return ConfigError(problem, path=shown, line=line, hint=hint)


class _Locator:
    """Maps key paths to the 1-based line where they are defined in the raw text.

    It understands ``[table]`` and ``[[array]]`` headers (numbering array entries
    from 0, per parent entry), ``key =`` and dotted ``a.b =`` assignments, quoted
    keys, inline tables and arrays (whose entries are numbered). It is only run on
    text ``tomllib`` has accepted; anything it cannot follow just has no line, and
    :meth:`line` falls back to the closest enclosing key or table that has one.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._line = 1
        self._lines: dict[KeyPath, int] = {}
        self._arrays: dict[KeyPath, int] = {}
        with contextlib.suppress(IndexError, ValueError):  # best effort only
            self._scan()

    def line(self, path: KeyPath) -> int | None:
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return None

    # -- scanning ---------------------------------------------------------------

    def _peek(self, offset: int = 0) -> str:
        index = self._pos + offset
        return self._text[index] if index < len(self._text) else ""

    def _advance(self, count: int = 1) -> None:
        end = min(self._pos + count, len(self._text))
        self._line += self._text.count("\n", self._pos, end)
        self._pos = end

    def _record(self, path: KeyPath, line: int) -> None:
        self._lines.setdefault(path, line)

    def _skip_blank(self, *, newlines: bool) -> None:
        while True:
            char = self._peek()
            if char in (" ", "\t") or (newlines and char in ("\n", "\r")):
                self._advance()
            elif newlines and char == "#":
                self._skip_line()
            else:
                return

    def _skip_line(self) -> None:
        end = self._text.find("\n", self._pos)
        self._advance((len(self._text) if end < 0 else end + 1) - self._pos)

    def _scan(self) -> None:
        table: KeyPath = ()
        while self._pos < len(self._text):
            self._skip_blank(newlines=True)
            if self._pos >= len(self._text):
                return
            line = self._line
            if self._peek() == "[":
                is_array = self._peek(1) == "["
                self._advance(2 if is_array else 1)
                table = self._header_path(self._key(), is_array, line)
                self._skip_line()
                continue
            keys = self._key()
            self._skip_blank(newlines=False)
            if not keys or self._peek() != "=":
                self._skip_line()
                continue
            self._advance()
            for depth in range(1, len(keys) + 1):
                self._record(table + keys[:depth], line)
            self._value(table + keys)
            self._skip_line()

    def _header_path(self, keys: tuple[str, ...], is_array: bool, line: int) -> KeyPath:
        path: KeyPath = ()
        for depth, key in enumerate(keys):
            path = (*path, key)
            self._record(path, line)  # a table implied by this header starts here too
            if is_array and depth == len(keys) - 1:
                count = self._arrays.get(path, 0)
                self._arrays[path] = count + 1
                path = (*path, count)
            elif path in self._arrays:
                path = (*path, self._arrays[path] - 1)
        self._record(path, line)
        return path

    def _key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self._skip_blank(newlines=False)
            char = self._peek()
            if char == '"':
                parts.append(self._basic_string())
            elif char == "'":
                end = self._text.index("'", self._pos + 1)
                parts.append(self._text[self._pos + 1 : end])
                self._advance(end + 1 - self._pos)
            else:
                match = _BARE_KEY.match(self._text, self._pos)
                if not match:
                    return tuple(parts)
                parts.append(match.group())
                self._advance(match.end() - self._pos)
            self._skip_blank(newlines=False)
            if self._peek() != ".":
                return tuple(parts)
            self._advance()

    def _basic_string(self) -> str:
        start = self._pos
        index = start + 1
        while self._text[index] != '"':
            index += 2 if self._text[index] == "\\" else 1
        raw = self._text[start : index + 1]
        self._advance(index + 1 - start)
        try:
            return str(json.loads(raw))
        except ValueError:
            return raw[1:-1]

    def _value(self, path: KeyPath) -> None:
        self._skip_blank(newlines=False)
        text, pos = self._text, self._pos
        char = self._peek()
        if text.startswith('"""', pos) or text.startswith("'''", pos):
            quote = text[pos]
            index = pos + 3
            while not text.startswith(quote * 3, index):
                index += 2 if (quote == '"' and text[index] == "\\") else 1
            while text.startswith(quote, index + 3):  # up to two quotes before the closer
                index += 1
            self._advance(index + 3 - pos)
        elif char == '"':
            self._basic_string()
        elif char == "'":
            self._advance(text.index("'", pos + 1) + 1 - pos)
        elif char == "[":
            self._advance()
            index = 0
            while True:
                self._skip_blank(newlines=True)
                if self._peek() in ("]", ""):
                    self._advance()
                    return
                self._record((*path, index), self._line)
                self._value((*path, index))
                self._skip_blank(newlines=True)
                if self._peek() != ",":
                    self._advance()  # the closing bracket
                    return
                self._advance()
                index += 1
        elif char == "{":
            self._advance()
            while True:
                self._skip_blank(newlines=False)
                if self._peek() in ("}", ""):
                    self._advance()
                    return
                line = self._line
                keys = self._key()
                self._skip_blank(newlines=False)
                if not keys or self._peek() != "=":
                    return
                self._advance()
                for depth in range(1, len(keys) + 1):
                    self._record(path + keys[:depth], line)
                self._value(path + keys)
                self._skip_blank(newlines=False)
                if self._peek() != ",":
                    self._advance()  # the closing brace
                    return
                self._advance()
        else:
            match = _SCALAR.match(text, pos)
            self._advance(match.end() - pos if match else 1)
