"""keepalived.conf syntax: lines of words, `{ }` blocks, comments, quotes and `include`.

Follows keepalived 2.2's reader (lib/parser.c) where it matters for conversion:
  * `!` and `#` start a comment anywhere outside double quotes; `\\!` and `\\#` are literal.
  * `"..."` is one word without its quotes (no escapes inside, as keepalived's strvec).
  * `{` and `}` outside quotes are words of their own, wherever they stand; a block's `{`
    may also open the next line.
  * `include PATTERN` (exactly two words) reads every file the glob matches, relative to the
    directory of the file that includes it; a pattern matching nothing is noted and skipped
    (keepalived logs it and goes on). Includes are spliced in place, even inside a block.
  * Lines starting `@id` / `@^id` (config-id conditionals), `$NAME=...` (definitions) and
    `~SEQ(...)` are keepalived's pre-processor: they are noted as not converted and skipped.
Unbalanced braces, an unterminated quote, an unreadable file and include loops are errors.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field

MAX_INCLUDE_DEPTH = 32


@dataclass(frozen=True, slots=True)
class Note:
    """One thing the conversion could not carry over (or carried over with a difference)."""

    file: str
    line: int
    keyword: str
    message: str  # "not converted (reason)" or "converted, but ..."

    def render(self) -> str:
        return f"{self.file}:{self.line}: {self.keyword}: {self.message}"


class ParseError(Exception):
    """The input cannot be read or parsed; str() is `FILE:LINE: message`."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")
        self.file = file
        self.line = line


@dataclass(slots=True)
class Node:
    """One statement: its keyword, its words, and its block (None when it has none)."""

    keyword: str
    args: list[str]
    file: str
    line: int
    children: list[Node] | None = None
    quoted: tuple[bool, ...] = ()  # per argument: was it written in "quotes"?

    def words(self) -> list[str]:
        """Keyword and arguments: a block entry such as `192.0.2.1 label eth0:1`."""
        return [self.keyword, *self.args]


@dataclass(slots=True)
class _Token:
    text: str
    file: str
    line: int
    kind: str  # "word", "{", "}", "eol"
    quoted: bool = False


@dataclass(slots=True)
class Parsed:
    nodes: list[Node]
    notes: list[Note] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # every file read, in order


def parse_file(path: str) -> Parsed:
    """The statements of keepalived config `path` and its includes; ParseError if unusable."""
    notes: list[Note] = []
    files: list[str] = []
    tokens = _read(path, notes, files, stack=())
    nodes, _end = _block(tokens, 0, None)
    return Parsed(nodes, notes, files)


def parse_text(text: str, name: str = "<text>") -> Parsed:
    """Like parse_file for text already in memory (includes resolve from the current directory)."""
    notes: list[Note] = []
    files: list[str] = [name]
    tokens = _tokenize(text, name, os.getcwd(), notes, files, stack=(name,))
    nodes, _end = _block(tokens, 0, None)
    return Parsed(nodes, notes, files)


# -- reading and tokenizing ---------------------------------------------------------------


def _read(
    path: str,
    notes: list[Note],
    files: list[str],
    stack: tuple[str, ...],
    included_at: tuple[str, int] | None = None,
) -> list[_Token]:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if included_at is None:
            raise ParseError(path, 0, f"cannot read: {reason}") from None
        raise ParseError(*included_at, f"include: cannot read {path}: {reason}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ParseError(path, line, "not UTF-8 text") from None
    files.append(path)
    real = os.path.realpath(path)
    return _tokenize(text, path, os.path.dirname(path) or ".", notes, files, (*stack, real))


def _tokenize(
    text: str,
    name: str,
    directory: str,
    notes: list[Note],
    files: list[str],
    stack: tuple[str, ...],
) -> list[_Token]:
    tokens: list[_Token] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        words = _split(_decomment(raw, name, number), name, number)
        if not words:
            continue
        first = words[0].text
        if first.startswith("@"):
            notes.append(
                Note(
                    name,
                    number,
                    first,
                    "not converted (config-id conditional line; "
                    "keep the lines for this node by hand)",
                )
            )
            continue
        if first.startswith("$") and "=" in raw:
            notes.append(
                Note(
                    name,
                    number,
                    first.split("=")[0],
                    "not converted (parameter definitions are not expanded)",
                )
            )
            continue
        if first.startswith("~SEQ"):
            notes.append(Note(name, number, "~SEQ", "not converted (sequences are not expanded)"))
            continue
        if first == "include" and len(words) == 2 and words[1].kind == "word":
            tokens += _include(words[1].text, name, number, directory, notes, files, stack)
            continue
        tokens += words
        tokens.append(_Token("", name, number, "eol"))
    return tokens


def _include(
    pattern: str,
    name: str,
    number: int,
    directory: str,
    notes: list[Note],
    files: list[str],
    stack: tuple[str, ...],
) -> list[_Token]:
    if len(stack) > MAX_INCLUDE_DEPTH:
        raise ParseError(name, number, f"include: nested more than {MAX_INCLUDE_DEPTH} deep")
    full = pattern if os.path.isabs(pattern) else os.path.join(directory, pattern)
    matches = sorted(p for p in glob.glob(full) if not os.path.isdir(p))
    if not matches:
        notes.append(Note(name, number, "include", f"not converted (no file matches {pattern!r})"))
        return []
    tokens: list[_Token] = []
    for match in matches:
        if os.path.realpath(match) in stack:
            raise ParseError(name, number, f"include: {match} includes itself (a loop)")
        tokens += _read(match, notes, files, stack, (name, number))
    return tokens


def _decomment(line: str, name: str, number: int) -> str:
    """The line without its comment; `\\!` / `\\#` outside quotes become `!` / `#`."""
    out: list[str] = []
    quoted = False
    index = 0
    while index < len(line):
        char = line[index]
        if char == '"':
            quoted = not quoted
        elif char == "\\" and not quoted and line[index + 1 : index + 2] in ("!", "#"):
            out.append(line[index + 1])
            index += 2
            continue
        elif char in "!#" and not quoted:
            break
        out.append(char)
        index += 1
    if quoted:
        raise ParseError(name, number, 'unterminated quote (a "..." string must end on its line)')
    return "".join(out)


def _split(line: str, name: str, number: int) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    while index < len(line):
        char = line[index]
        if char.isspace():
            index += 1
        elif char in "{}":
            tokens.append(_Token(char, name, number, char))
            index += 1
        elif char == '"':
            end = line.index('"', index + 1)  # _decomment checked the quotes pair up
            tokens.append(_Token(line[index + 1 : end], name, number, "word", quoted=True))
            index = end + 1
        else:
            start = index
            while index < len(line) and not line[index].isspace() and line[index] not in '{}"':
                index += 1
            tokens.append(_Token(line[start:index], name, number, "word"))
    return tokens


# -- the tree -------------------------------------------------------------------------------


def _block(tokens: list[_Token], pos: int, opened: _Token | None) -> tuple[list[Node], int]:
    """Statements from `pos` up to the `}` matching `opened` (or the end when None)."""
    nodes: list[Node] = []
    words: list[_Token] = []
    ended: Node | None = None  # the statement the previous line ended: a `{` may follow
    while pos < len(tokens):
        token = tokens[pos]
        pos += 1
        if token.kind == "word":
            words.append(token)
            ended = None
        elif token.kind == "eol":
            if words:
                ended = _node(words)
                nodes.append(ended)
                words = []
        elif token.kind == "{":
            owner = _node(words) if words else ended
            if owner is None or owner.children is not None:
                raise ParseError(token.file, token.line, "'{' without a keyword before it")
            if words:
                nodes.append(owner)
                words = []
            owner.children, pos = _block(tokens, pos, token)
            ended = None
        else:  # "}"
            if words:
                nodes.append(_node(words))
            if opened is None:
                raise ParseError(token.file, token.line, "'}' without a matching '{'")
            return nodes, pos
    if words:
        nodes.append(_node(words))
    if opened is not None:
        raise ParseError(opened.file, opened.line, "'{' is never closed (missing '}')")
    return nodes, pos


def _node(words: list[_Token]) -> Node:
    first = words[0]
    args = words[1:]
    return Node(
        first.text,
        [w.text for w in args],
        first.file,
        first.line,
        quoted=tuple(w.quoted for w in args),
    )
