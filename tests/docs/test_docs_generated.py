"""Man pages, completion, JSON Schema and conf/README.md's key table come from the code:
a key or option added there shows up here, and an undocumented one fails."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
from pathlib import Path

import msgspec
import pytest

from vrrpd.config import loader, schema
from vrrpd.docs import completion, jsonschema, keys, man_cli, man_toml
from vrrpd.docs.__main__ import main as docs_main
from vrrpd.docs.cli_model import commands

ROOT = Path(__file__).resolve().parents[2]
CONF_README = ROOT / "conf" / "README.md"


def _all_tables() -> list[keys.Table]:
    return keys.tables()


def test_sections_match_the_loader():
    names = [name for name, _, _ in keys.SECTIONS]
    assert len(names) == len(set(names)) and set(names) == set(loader.SECTIONS)


def test_every_schema_field_has_a_docstring():
    structs = [value for value in vars(schema).values()
               if isinstance(value, type) and issubclass(value, msgspec.Struct)
               and value is not schema._Table]
    missing = [f"{cls.__name__}.{field.name}" for cls in structs
               for field in msgspec.structs.fields(cls)
               if not keys.field_docs(cls).get(field.name)]
    assert not missing, f"add a docstring after these fields in schema.py: {missing}"
    assert all(cls.__doc__ for cls in structs)


def test_every_struct_is_reachable_from_a_section():
    documented = {table.title for table in _all_tables()}
    assert len(documented) == len(_all_tables())
    titles = " ".join(documented)
    for needle in ("[mqtt]", "[metrics]", "virtual_ipaddress[]", "authentication",
                   "virtual_routes[]", "nexthops[]", "virtual_rules[]", "track_interface[]"):
        assert needle in titles


def _man_keys(page: str) -> dict[str, set[str]]:
    """Section title -> key names, read back from the roff of vrrpd.toml(5)."""
    found: dict[str, set[str]] = {}
    current = None
    for line in page.splitlines():
        if line.startswith(".SS "):
            current = line[4:].strip('"').replace("\\-", "-").replace("\\e", "\\")
            found[current] = set()
        elif current and (match := re.match(r"^\\fB([a-z_]+)\\fR \(", line)):
            found[current].add(match[1])
    return found


def test_every_key_is_in_the_toml_man_page():
    page = _man_keys(man_toml.manpage())
    for table in _all_tables():
        wanted = {key.name for key in table.keys}
        assert wanted == page.get(table.title), table.title


@pytest.mark.parametrize("key", ["host", "port", "topic_prefix", "username", "password", "tls",
                                 "ca_file", "client_id", "keepalive", "listen", "textfile",
                                 "textfile_interval", "authentication", "split_brain_after",
                                 "label"])
def test_keys_the_issue_found_undocumented_are_documented(key):
    readme = CONF_README.read_text()
    assert f"| `{key}` |" in readme
    assert f"\\fB{key}\\fR (" in man_toml.manpage()


def test_conf_readme_documents_every_key_and_is_up_to_date():
    readme = CONF_README.read_text()
    assert man_toml.replace_readme_block(readme) == readme, "run `make docs`"
    for table in _all_tables():
        block = readme.split(f"### `{table.title}`", 1)[1].split("\n### ", 1)[0]
        for key in table.keys:
            assert f"| `{key.name}` |" in block, (table.title, key.name)


def test_readme_check_fails_when_a_key_is_missing(tmp_path):
    stale = tmp_path / "README.md"
    stale.write_text(CONF_README.read_text().replace("| `keepalive` |", "| `keep` |"))
    assert docs_main(["--check-readme", str(stale)]) == 1
    assert docs_main(["--readme", str(stale)]) == 0
    assert docs_main(["--check-readme", str(stale)]) == 0


def test_cli_page_lists_every_command_and_option():
    page = man_cli.manpage().replace("\\-", "-")
    for command in commands():
        assert f'.SS "vrrpd {command.name}' in page
        for option in command.options:
            for flag in option.flags:
                assert f"\\fB{flag}\\fR" in page, (command.name, flag)
    for needed in (".SH SIGNALS", "SIGHUP", ".SH EXIT STATUS", ".SH FILES", ".SH EXAMPLES",
                   "/etc/vrrpd/vrrpd.toml", "VRRPD_SOCKET"):
        assert needed in page


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff is not installed")
@pytest.mark.parametrize("render", [man_cli.manpage, man_toml.manpage])
def test_man_pages_render_without_warnings(render, tmp_path):
    page = tmp_path / "page"
    page.write_text(render())
    done = subprocess.run(["groff", "-man", "-ww", "-z", str(page)], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0 and not done.stderr, done.stderr


def test_pages_do_not_depend_on_the_build_host():
    host = f'"{socket.gethostname()}"'
    assert host not in man_toml.manpage()
    assert host not in jsonschema.render()


def test_completion_is_valid_bash_and_knows_every_command(tmp_path):
    script = tmp_path / "vrrpd"
    script.write_text(completion.completion())
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    for command in commands():
        assert f"        {command.name}) " in script.read_text()


def test_json_schema_describes_every_key():
    out = json.loads(jsonschema.render())
    assert set(out["properties"]) == set(loader.SECTIONS)
    assert out["additionalProperties"] is False
    defs = out["$defs"]
    for name, definition in defs.items():
        for key, prop in definition["properties"].items():
            assert prop.get("description"), (name, key)
    assert defs["RawInstance"]["properties"]["priority"]["default"] == 100


def test_docs_cli_writes_every_output(tmp_path):
    assert docs_main([str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == {
        "vrrpd.8", "vrrpd.toml.5", "vrrpd.bash-completion", "vrrpd.schema.json"}
