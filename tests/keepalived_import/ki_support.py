"""Helpers for import-keepalived tests: convert, and load the result back as vrrpd would."""

from __future__ import annotations

from pathlib import Path

from vrrpd.config import Config, parse_config
from vrrpd.keepalived_import import Conversion, convert_file, convert_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "keepalived"


def converted(path: Path) -> tuple[Conversion, Config]:
    """Convert `path` and load the result as vrrpd would (ConfigError if it is invalid)."""
    conversion = convert_file(str(path))
    return conversion, parse_config(conversion.toml(), "converted.toml")


def from_text(text: str) -> Conversion:
    return convert_text(text, "k.conf")


def notes_of(conversion: Conversion) -> list[str]:
    """`LINE: keyword: message` of every note (file names left out)."""
    return [f"{n.line}: {n.keyword}: {n.message}" for n in conversion.notes]
