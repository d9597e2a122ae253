"""The commands and options of `vrrpd`, read from the argparse parser that runs them."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from vrrpd.cli import build_parser


@dataclass(frozen=True)
class Option:
    flags: tuple[str, ...]  # ("-c", "--config"); () for a positional
    metavar: str | None  # None: a flag without a value
    help: str
    required: bool
    choices: tuple[str, ...]
    takes_file: bool  # complete with file names


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    description: str
    options: tuple[Option, ...]

    def synopsis(self) -> str:
        parts = ["vrrpd", self.name]
        for option in self.options:
            word = option.metavar or ""
            if option.flags:
                word = f"{option.flags[0]} {word}".strip()
            parts.append(word if option.required else f"[{word}]")
        return " ".join(parts)


def commands(parser: argparse.ArgumentParser | None = None) -> list[Command]:
    parser = parser or build_parser()
    found = []
    for sub in _subparsers(parser):
        summaries = {action.dest: action.help or "" for action in sub._choices_actions}
        for name, command in sub.choices.items():
            found.append(Command(
                name=name,
                summary=summaries.get(name, ""),
                description=command.description or "",
                options=tuple(_option(action) for action in command._actions
                              if not isinstance(action, argparse._HelpAction)),
            ))
    return found


def global_options(parser: argparse.ArgumentParser | None = None) -> list[str]:
    """Options of `vrrpd` itself (before the command)."""
    parser = parser or build_parser()
    return [flag for action in parser._actions
            if not isinstance(action, argparse._SubParsersAction)
            for flag in action.option_strings]


def description(parser: argparse.ArgumentParser | None = None) -> str:
    return (parser or build_parser()).description or ""


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse._SubParsersAction]:
    return [action for action in parser._actions
            if isinstance(action, argparse._SubParsersAction)]


def _option(action: argparse.Action) -> Option:
    takes_value = action.nargs != 0
    metavar = action.metavar if isinstance(action.metavar, str) else None
    if takes_value and metavar is None:
        metavar = action.dest.upper() if action.option_strings else action.dest
    choices = tuple(str(choice) for choice in action.choices or ())
    if choices and metavar == action.dest.upper():
        metavar = "{" + ",".join(choices) + "}"
    return Option(
        flags=tuple(action.option_strings),
        metavar=metavar if takes_value else None,
        help=(action.help or "") % {"default": action.default} if action.help else "",
        required=action.required,
        choices=choices,
        takes_file=takes_value and metavar in ("FILE", "OUT", "PATH"),
    )
