"""Routing table names as iproute2 knows them, so `table = "isp2"` means what `ip` means.

iproute2 reads /etc/iproute2/rt_tables (newer packages ship it in /usr/share/iproute2
instead) and every `*.conf` in the matching rt_tables.d directories. The files are read
at each config load, so a table added there is picked up by the next reload.
"""

from __future__ import annotations

from pathlib import Path

TABLE_FILES = ("/etc/iproute2/rt_tables", "/usr/share/iproute2/rt_tables")
TABLE_DIRS = ("/etc/iproute2/rt_tables.d", "/usr/share/iproute2/rt_tables.d")
BUILTIN = {"unspec": 0, "default": 253, "main": 254, "local": 255}  # known to ip without files
MAX_TABLE = 2**32 - 2  # 2**32 - 1 is RT_TABLE_MAX's "all tables" in some tools


def table_names(
    files: tuple[str, ...] | None = None, dirs: tuple[str, ...] | None = None
) -> dict[str, int]:
    """Name -> number from the system's rt_tables files (later files win, as in iproute2)."""
    names = dict(BUILTIN)
    paths = [Path(f) for f in (TABLE_FILES if files is None else files)]
    for directory in TABLE_DIRS if dirs is None else dirs:
        try:
            paths += sorted(Path(directory).glob("*.conf"))
        except OSError:
            continue
    for path in paths:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        names.update(parse_table_names(text))
    return names


def parse_table_names(text: str) -> dict[str, int]:
    """The `NUMBER NAME` lines of one rt_tables file; comments and bad lines are skipped."""
    found: dict[str, int] = {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2:
            continue
        try:
            number = int(fields[0], 0)
        except ValueError:
            continue
        if 0 <= number <= MAX_TABLE + 1:
            found[fields[1]] = number
    return found


def search_paths() -> str:
    """Where names are looked up, for error messages."""
    return ", ".join([*TABLE_FILES, *(f"{d}/*.conf" for d in TABLE_DIRS)])
