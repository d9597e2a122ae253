"""keepalived command strings (`script`, `notify*`) as vrrpd argv lists.

keepalived splits a command string into words itself (quotes and backslashes as a POSIX shell
does) and runs it; vrrpd takes the words as a TOML list and runs them without a shell or PATH
search. So a command converts when it is plain words: split it with shlex, and give a bare
program name the absolute path PATH finds on the machine doing the conversion. Shell syntax
(pipes, redirections, `$VAR`, globs, `;`, `&&`) has no list form and is refused.
"""

from __future__ import annotations

import os
import shlex
import shutil
from dataclasses import dataclass

SHELL_CHARS = set("|&;<>()$`*?[]{}\n")  # and `~` starting a word
_EXPANDED_IN_DOUBLE_QUOTES = set("$`")


@dataclass(frozen=True, slots=True)
class Command:
    argv: tuple[str, ...]
    problem: str | None = None  # why it cannot be converted (argv is then empty)
    remark: str | None = None  # a difference worth telling (e.g. resolved through PATH)


def command_text(args: list[str]) -> str:
    """The command string keepalived would split: one (quoted) word, or the words joined."""
    return args[0] if len(args) == 1 else " ".join(args)


def convert_command(text: str, search_path: str | None = None) -> Command:
    """`text` as an argv list, or the reason it cannot be one."""
    shell = shell_syntax(text)
    if shell is not None:
        return Command(
            (),
            f"uses shell syntax ({shell!r}); vrrpd runs commands without a "
            "shell: put the command in a script file and name that",
        )
    try:
        argv = tuple(shlex.split(text))
    except ValueError as exc:
        return Command((), f"cannot be split into words ({exc})")
    if not argv:
        return Command((), "is empty")
    program = argv[0]
    if os.path.isabs(program):
        return Command(argv)
    found = shutil.which(program, path=search_path)
    if found is None or "/" in program:
        return Command(
            argv,
            remark=f"{program!r} is not an absolute path and is not found in "
            "PATH here: write its absolute path",
        )
    return Command(
        (found, *argv[1:]),
        remark=f"{program!r} found in PATH as {found} (vrrpd does no PATH search)",
    )


def shell_syntax(text: str) -> str | None:
    """The first shell metacharacter in `text` that quoting does not neutralise, else None."""
    quote = ""
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and quote != "'":
            index += 2
            continue
        if quote:
            if char == quote:
                quote = ""
            elif quote == '"' and char in _EXPANDED_IN_DOUBLE_QUOTES:
                return char
        elif char in "'\"":
            quote = char
        elif char in SHELL_CHARS or (char == "~" and (index == 0 or text[index - 1].isspace())):
            return char
        index += 1
    return None
