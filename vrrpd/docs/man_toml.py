"""vrrpd.toml(5) and conf/README.md's key table, from the schema's Structs and docstrings."""

from __future__ import annotations

from vrrpd import __version__
from vrrpd.docs import roff
from vrrpd.docs.keys import Table, tables

README_BEGIN = "<!-- BEGIN generated key reference (make docs) -->"
README_END = "<!-- END generated key reference -->"

EXAMPLE = """\
[global]
router_id = "lb-a"

[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
priority = 150
advert_int = 1.0
virtual_ipaddress = ["192.0.2.100/24"]
"""


def manpage() -> str:
    lines = roff.header("vrrpd.toml", 5, __version__, "File Formats")
    lines += [roff.section("name"), "vrrpd.toml \\- configuration file of vrrpd"]
    lines += [roff.section("synopsis"), roff.bold("/etc/vrrpd/vrrpd.toml")]
    lines += [roff.section("description")]
    lines += roff.paragraph(
        "The configuration of vrrpd(8) is one TOML 1.0 file. Unknown keys and wrong types "
        "are errors, never ignored; `vrrpd check-config -c FILE` lists every problem as "
        "`FILE: path.to.key: message`. A key that is left out takes its default; keys "
        "without a default are required. Durations are in seconds (numbers, fractions "
        "allowed). Hooks and check scripts are lists: an absolute program path followed "
        "by its fixed arguments, run without a shell. A file larger than 1 MiB is refused "
        "(by check-config, run and reload alike). Settings that are valid but probably not "
        "meant are printed as `FILE: path.to.key: warning: message` and do not fail the file."
    )
    lines += roff.paragraph(
        "Each key below reads: name, type, default, then what it means and the values it "
        "accepts. Tables named `NAME` may be repeated with different names."
    )
    for table in tables():
        lines += _man_table(table)
    lines += [roff.section("example")]
    lines += roff.example(EXAMPLE.splitlines())
    lines += [roff.section("files")]
    lines += roff.tagged(roff.bold("/etc/vrrpd/vrrpd.toml"), "The configuration file.")
    lines += roff.tagged(
        roff.bold("/usr/share/vrrpd/vrrpd.schema.json"),
        "JSON Schema of this file for editors (taplo, VS Code Even Better TOML): put "
        "`#:schema /usr/share/vrrpd/vrrpd.schema.json` on the first line (the path follows "
        "the install prefix).",
    )
    lines += [roff.section("see also"), "vrrpd(8), keepalived.conf(5)"]
    return "\n".join(lines) + "\n"


def readme_block() -> str:
    """The Markdown tables between README_BEGIN and README_END in conf/README.md."""
    out = [README_BEGIN, "", "## Every key", "",
           "Generated from the schema (`vrrpd/config/schema.py`) by `make docs`; the same "
           "text is in vrrpd.toml(5). A key left out takes its default; `(required)` keys "
           "have none.", ""]
    for table in tables():
        out += [f"### `{table.title}`", "", _markdown_line(table.doc), "",
                "| key | type | default | meaning |", "|---|---|---|---|"]
        for key in table.keys:
            default = "(required)" if key.default is None else f"`{key.default}`"
            words = key.default and (" " in key.default and '"' not in key.default)
            if key.default == "none" or words:
                default = key.default  # words, not a literal
            out.append(f"| `{key.name}` | {key.type} | {default} | {_markdown_line(key.doc)} |")
        out.append("")
    out.append(README_END)
    return "\n".join(out)


def replace_readme_block(readme: str) -> str:
    """`readme` with its generated block replaced (or appended when it has none yet)."""
    block = readme_block()
    if README_BEGIN in readme and README_END in readme:
        head, _, rest = readme.partition(README_BEGIN)
        _, _, tail = rest.partition(README_END)
        return head + block + tail
    return readme.rstrip("\n") + "\n\n" + block + "\n"


def _man_table(table: Table) -> list[str]:
    lines = [roff.subsection(table.title)]
    if table.doc:
        lines += roff.paragraph(table.doc)
    for key in table.keys:
        default = "required" if key.default is None else f"default {key.default}"
        tag = f"{roff.bold(key.name)} ({roff.text(key.type)}; {roff.text(default)})"
        lines += roff.tagged(tag, key.doc)
    return lines


def _markdown_line(words: str) -> str:
    return " ".join(words.split()).replace("|", "\\|")
