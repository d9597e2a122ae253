"""The keyword coverage table of conf/README.md, generated from the importer's own tables.

    python -m vrrpd.keepalived_import.coverage            # rewrite the section in place
    python -m vrrpd.keepalived_import.coverage --check    # exit 1 when it is out of date

Only the text between BEGIN and END is touched (the rest of the README has other authors).
"""

from __future__ import annotations

import sys
from pathlib import Path

from vrrpd.keepalived_import.keywords import (
    CONVERTED,
    GLOBAL,
    INSTANCE,
    LOST,
    SUPPORTED,
    TOP_LEVEL,
    Keyword,
)

BEGIN = "<!-- keepalived-coverage:begin (generated: python -m vrrpd.keepalived_import.coverage) -->"
END = "<!-- keepalived-coverage:end -->"
README = Path(__file__).resolve().parents[2] / "conf" / "README.md"


def counts(table: dict[str, Keyword]) -> tuple[int, int]:
    """(keywords carried over: supported or converted, all keywords)."""
    return sum(entry.status != LOST for entry in table.values()), len(table)


def _cell(entry: Keyword) -> str:
    if entry.status == SUPPORTED:
        what = "supported" + (f" ({entry.text})" if entry.text else "")
    elif entry.status == CONVERTED:
        what = f"converted as {entry.text}"
    else:
        effect = "exit 3" if entry.failover else "noted"
        what = f"not converted ({effect}): {entry.text}"
    return what.replace("|", "\\|")


def _rows(table: dict[str, Keyword]) -> list[str]:
    return [f"| `{name}` | {_cell(entry)} |" for name, entry in sorted(table.items())]


def render() -> str:
    """The generated section, markers included."""
    inst, inst_all = counts(INSTANCE)
    glob, glob_all = counts(GLOBAL)
    lines = [
        BEGIN,
        "",
        f"keepalived 2.2.7 `vrrp_instance` keywords carried over: **{inst} of {inst_all}**; "
        f"VRRP-related `global_defs` keywords: **{glob} of {glob_all}** (lists taken from "
        "keepalived's parser: keepalived/vrrp/vrrp_parser.c and keepalived/core/"
        "global_parser.c). \"exit 3\": losing it changes failover, so the import exits 3.",
        "",
        "### `vrrp_instance`",
        "",
        "| keyword | vrrpd |",
        "|---|---|",
        *_rows(INSTANCE),
        "",
        "### `global_defs` (VRRP-related)",
        "",
        "| keyword | vrrpd |",
        "|---|---|",
        *_rows(GLOBAL),
        "",
        "### Other top-level blocks",
        "",
        "| keyword | vrrpd |",
        "|---|---|",
        *_rows(TOP_LEVEL),
        "",
        END,
    ]
    return "\n".join(lines)


def updated(text: str) -> str:
    """`text` with its generated section replaced (appended when it has none)."""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _old, tail = rest.split(END, 1)
        return head + render() + tail
    return text.rstrip("\n") + "\n\n" + render() + "\n"


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    new = updated(text)
    if "--check" in argv:
        if new != text:
            print(f"{README}: keyword coverage table is out of date; run "
                  "python -m vrrpd.keepalived_import.coverage", file=sys.stderr)
            return 1
        return 0
    if new != text:
        README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
