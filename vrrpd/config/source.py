"""Getting a config file's text safely, before any TOML parsing: bounded in size, never
blocking, and nested no deeper than a recursive parser survives.

`check-config`, `run` and reload all read through here, so they reject the same files with the
same one-line message. MAX_CONFIG_BYTES (1 MiB) is far above any real file (255 instances of
255 addresses is ~200 KiB) and keeps parsing and validation around a second at worst; a 12 MB
file once cost 9 s and 460 MB on reload. tomllib recurses once per `[`/`{` level and raises
RecursionError a few hundred levels down; the loader catches it and `nesting_problem` (no
recursion, run only then) finds the first bracket past MAX_NESTING to name its line.
"""

from __future__ import annotations

import os
import re
import stat

from vrrpd.config.errors import ConfigProblem

MAX_CONFIG_BYTES = 1024 * 1024
MAX_NESTING = 32

_INTERESTING = re.compile(r"[\"'#\[\]{}]")


def read_source(path: str) -> str | ConfigProblem:
    """The text of the file at `path`, or the problem that keeps it from being read.

    Opened non-blocking and checked with fstat first: a FIFO or a device named as the config
    file must not hang the caller (the daemon's reload), and a huge file is refused by its size
    before a byte of it is read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        return ConfigProblem("", f"cannot read the file: {error.strerror or error}")
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            return ConfigProblem("", "cannot read the file: Is a directory")
        if not stat.S_ISREG(info.st_mode):
            return ConfigProblem("", "cannot read the file: not a regular file")
        if info.st_size > MAX_CONFIG_BYTES:
            return too_large(info.st_size)
        data = os.read(fd, MAX_CONFIG_BYTES + 1)  # bounded even if the file grew meanwhile
    except OSError as error:
        return ConfigProblem("", f"cannot read the file: {error.strerror or error}")
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        return too_large(len(data))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return ConfigProblem(f"line {line}, column {column}", "not UTF-8 text")


def too_large(size: int) -> ConfigProblem:
    return ConfigProblem(
        "",
        f"the file is {size} bytes; the limit is {MAX_CONFIG_BYTES} bytes (1 MiB)",
    )


def nesting_problem(text: str) -> ConfigProblem | None:
    """A problem when arrays and inline tables nest deeper than MAX_NESTING, at the first
    bracket too deep; None otherwise (also for a string left open: tomllib reports that).

    Linear in the text: each step jumps (in C) to the next quote, `#` or bracket, and a string
    or comment is skipped with one `find` for its end, so a bracket inside one never counts."""
    depth = 0
    position = 0
    while (found := _INTERESTING.search(text, position)) is not None:
        start = found.start()
        char = text[start]
        if char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return _too_deep(text, start)
            position = start + 1
        elif char in "]}":
            depth = max(depth - 1, 0)
            position = start + 1
        elif char == "#":
            end = text.find("\n", start)
            position = len(text) if end < 0 else end
        else:
            end = _string_end(text, start, char)
            if end < 0:
                return None
            position = end
    return None


def _string_end(text: str, start: int, quote: str) -> int:
    """The index just past the string opening at `start`, or -1 when it never closes."""
    if text.startswith(quote * 3, start):
        end = _closing(text, start + 3, quote * 3, escapes=quote == '"', multiline=True)
        if end < 0:
            return -1
        while end < len(text) and text[end] == quote and end - start < 3 + 3 + 2:
            end += 1  # up to two quotes may sit right before the closing delimiter
        return end
    return _closing(text, start + 1, quote, escapes=quote == '"', multiline=False)


def _closing(text: str, position: int, delimiter: str, *, escapes: bool, multiline: bool) -> int:
    while True:
        end = text.find(delimiter, position)
        if end < 0 or (not multiline and text.find("\n", position, end) >= 0):
            return -1  # never closed (on its line): tomllib reports it
        if escapes and _escaped(text, end):
            position = end + 1
            continue
        return end + len(delimiter)


def _escaped(text: str, index: int) -> bool:
    """True when an odd run of backslashes ends right before `index`."""
    run = 0
    while index - run - 1 >= 0 and text[index - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def _too_deep(text: str, start: int) -> ConfigProblem:
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return ConfigProblem(
        f"line {line}, column {column}",
        f"lists and tables are nested more than {MAX_NESTING} levels deep",
    )
