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

The reader is bounded whatever the input: only regular files are read (a FIFO, a device or a
directory is refused before anything blocks), includes nest at most MAX_INCLUDE_DEPTH deep,
at most MAX_TOTAL_BYTES are read and MAX_FILES files opened in all (a file included twice
counts twice, so includes that multiply stop early), and blocks nest at most MAX_BLOCK_DEPTH
deep, built without recursion. A file read again is reported as a note.
"""

from __future__ import annotations

import glob
import os
import re
import stat
from dataclasses import dataclass, field

MAX_INCLUDE_DEPTH = 16
MAX_TOTAL_BYTES = 16 * 1024 * 1024  # every file read, repeats included
MAX_FILES = 1000  # file reads in all, repeats included
MAX_BLOCK_DEPTH = 32  # keepalived's own blocks nest at most 4 deep
_SPECIAL = re.compile(r'[!#"\\]')
_WORD = re.compile(r'([{}])|"([^"]*)"|([^\s{}"]+)')


@dataclass(frozen=True, slots=True)
class Note:
    """One thing the conversion could not carry over (or carried over with a difference)."""

    file: str
    line: int
    keyword: str
    message: str  # "not converted (reason)" or "converted, but ..."
    failover: bool = True  # for "not converted": does the loss change failover? (exit 3)
    section: str = ""  # the output table it belongs to ("instances.VI_1"); "" = top level

    @property
    def lost(self) -> bool:
        return self.message.startswith("not converted")

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
class _Budget:
    """What is left to read, and where each file was first read (to report repeats)."""

    bytes_left: int = MAX_TOTAL_BYTES
    files_left: int = MAX_FILES
    first_read: dict[str, tuple[str, int]] = field(default_factory=dict)


@dataclass(slots=True)
class Parsed:
    nodes: list[Node]
    notes: list[Note] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # every file read, in order


def parse_file(path: str) -> Parsed:
    """The statements of keepalived config `path` and its includes; ParseError if unusable."""
    notes: list[Note] = []
    files: list[str] = []
    tokens = _read(path, notes, files, (), _Budget())
    return Parsed(_tree(tokens), notes, files)


def parse_text(text: str, name: str = "<text>") -> Parsed:
    """Like parse_file for text already in memory (includes resolve from the current directory)."""
    notes: list[Note] = []
    files: list[str] = [name]
    if len(text) > MAX_TOTAL_BYTES:
        raise ParseError(name, 0, f"larger than {MAX_TOTAL_BYTES} bytes")
    budget = _Budget(bytes_left=MAX_TOTAL_BYTES - len(text))
    tokens = _tokenize(text, name, os.getcwd(), notes, files, (name,), budget)
    return Parsed(_tree(tokens), notes, files)


# -- reading and tokenizing ---------------------------------------------------------------


def _read(
    path: str,
    notes: list[Note],
    files: list[str],
    stack: tuple[str, ...],
    budget: _Budget,
    included_at: tuple[str, int] | None = None,
) -> list[_Token]:
    where = included_at or (path, 0)
    prefix = "include: " if included_at else ""
    if budget.files_left <= 0:
        raise ParseError(*where, f"{prefix}more than {MAX_FILES} files read in all (includes "
                         "that include files several times?)")
    budget.files_left -= 1
    data = _read_regular(path, budget, where, prefix)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ParseError(path, line, "not UTF-8 text") from None
    real = os.path.realpath(path)
    if real in budget.first_read and included_at is not None:
        first = budget.first_read[real]
        notes.append(Note(*included_at, "include",
                          f"converted, but {path} is read again (first included at "
                          f"{first[0]}:{first[1]}): its statements appear twice"))
    budget.first_read.setdefault(real, where)
    files.append(path)
    return _tokenize(text, path, os.path.dirname(path) or ".", notes, files, (*stack, real),
                     budget)


def _read_regular(path: str, budget: _Budget, where: tuple[str, int], prefix: str) -> bytes:
    """The bytes of regular file `path`, never blocking on a FIFO or device, within budget."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise ParseError(*where, f"{prefix}cannot read {path}: {exc.strerror or exc}"
                         if prefix else f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = f"is not a regular file ({_kind(info)})"
            raise ParseError(*where, f"{prefix}{path} {what}" if prefix else what)
        if info.st_size > budget.bytes_left:
            raise ParseError(*where, f"{prefix}{path}: more than {MAX_TOTAL_BYTES} bytes of "
                             "config read in all")
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, min(1 << 20, budget.bytes_left - size + 1)):
            chunks.append(chunk)
            size += len(chunk)
            if size > budget.bytes_left:  # the file grew while we read it
                raise ParseError(*where, f"{prefix}{path}: more than {MAX_TOTAL_BYTES} bytes "
                                 "of config read in all")
        budget.bytes_left -= size
        return b"".join(chunks)
    except OSError as exc:
        raise ParseError(*where, f"{prefix}cannot read {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _kind(info: os.stat_result) -> str:
    mode = info.st_mode
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _tokenize(
    text: str,
    name: str,
    directory: str,
    notes: list[Note],
    files: list[str],
    stack: tuple[str, ...],
    budget: _Budget,
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
            tokens += _include(words[1].text, (name, number), directory, notes, files, stack,
                               budget)
            continue
        tokens += words
        tokens.append(_Token("", name, number, "eol"))
    return tokens


def _include(
    pattern: str,
    at: tuple[str, int],
    directory: str,
    notes: list[Note],
    files: list[str],
    stack: tuple[str, ...],
    budget: _Budget,
) -> list[_Token]:
    if len(stack) >= MAX_INCLUDE_DEPTH:
        raise ParseError(*at, f"include: nested more than {MAX_INCLUDE_DEPTH} deep")
    full = pattern if os.path.isabs(pattern) else os.path.join(directory, pattern)
    matches = sorted(glob.glob(full))
    if not matches:
        notes.append(Note(*at, "include", f"not converted (no file matches {pattern!r})"))
        return []
    tokens: list[_Token] = []
    for match in matches:
        if os.path.isdir(match) and glob.has_magic(full):
            continue  # a glob such as conf.d/* skips directories, as keepalived does
        if os.path.realpath(match) in stack:
            raise ParseError(*at, f"include: {match} includes itself (a loop)")
        tokens += _read(match, notes, files, stack, budget, at)
    return tokens


def _decomment(line: str, name: str, number: int) -> str:
    """The line without its comment; `\\!` / `\\#` outside quotes become `!` / `#`."""
    if _SPECIAL.search(line) is None:
        return line  # the common line: nothing to strip or unescape
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
    for match in _WORD.finditer(line):
        brace, quoted, word = match.groups()
        if brace is not None:
            tokens.append(_Token(brace, name, number, brace))
        elif quoted is not None:  # _decomment checked the quotes pair up
            tokens.append(_Token(quoted, name, number, "word", quoted=True))
        else:
            tokens.append(_Token(word, name, number, "word"))
    return tokens


# -- the tree -------------------------------------------------------------------------------


def _tree(tokens: list[_Token]) -> list[Node]:
    """The statements of `tokens`, blocks nested at most MAX_BLOCK_DEPTH deep (no recursion)."""
    top: list[Node] = []
    nodes = top  # the statement list being filled
    stack: list[tuple[list[Node], _Token]] = []  # enclosing lists and the `{` that left them
    words: list[_Token] = []
    ended: Node | None = None  # the statement the previous line ended: a `{` may follow
    for token in tokens:
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
            if len(stack) >= MAX_BLOCK_DEPTH:
                raise ParseError(token.file, token.line,
                                 f"blocks nested more than {MAX_BLOCK_DEPTH} deep")
            if words:
                nodes.append(owner)
                words = []
            owner.children = []
            stack.append((nodes, token))
            nodes = owner.children
            ended = None
        else:  # "}"
            if words:
                nodes.append(_node(words))
                words = []
            if not stack:
                raise ParseError(token.file, token.line, "'}' without a matching '{'")
            nodes, _opened = stack.pop()
            ended = None
    if words:
        nodes.append(_node(words))
    if stack:
        opened = stack[-1][1]
        raise ParseError(opened.file, opened.line, "'{' is never closed (missing '}')")
    return top


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
