"""The small pieces: command strings to argv lists, and the TOML writer."""

from __future__ import annotations

import tomllib

import pytest

from vrrpd.keepalived_import.commands import command_text, convert_command, shell_syntax
from vrrpd.keepalived_import.toml_out import render, string, value


@pytest.mark.parametrize(
    ("text", "char"),
    [
        ("/bin/a | /bin/b", "|"),
        ("/bin/a > /tmp/x", ">"),
        ("</dev/tcp/127.0.0.1/80", "<"),
        ("/bin/a; /bin/b", ";"),
        ("/bin/a && /bin/b", "&"),
        ("/bin/echo $HOME", "$"),
        ('/bin/echo "$HOME"', "$"),
        ("/bin/ls /tmp/*", "*"),
        ("/bin/echo `id`", "`"),
        ("/bin/cat ~/x", "~"),
    ],
)
def test_shell_syntax_is_found(text, char):
    assert shell_syntax(text) == char
    result = convert_command(text)
    assert result.argv == () and "uses shell syntax" in result.problem


@pytest.mark.parametrize(
    ("text", "argv"),
    [
        ("/bin/check --port 80", ("/bin/check", "--port", "80")),
        ("/bin/check 'a | b' \"c;d\"", ("/bin/check", "a | b", "c;d")),
        ("/bin/check a\\ b", ("/bin/check", "a b")),
        ("/bin/echo '$HOME'", ("/bin/echo", "$HOME")),
    ],
)
def test_plain_words_split_like_keepalived(text, argv):
    assert shell_syntax(text) is None
    assert convert_command(text).argv == argv


def test_a_tilde_is_shell_syntax_only_where_a_word_starts():
    assert shell_syntax("/opt/app~1/check") is None
    assert shell_syntax("/opt/app~1/check ~") == "~"


def test_commands_that_cannot_be_split_or_are_empty_are_refused():
    assert "cannot be split" in convert_command("/bin/x 'open").problem
    assert convert_command("   ").problem == "is empty"


def test_relative_programs_are_resolved_or_flagged(tmp_path):
    program = tmp_path / "check"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    found = convert_command("check -v", search_path=str(tmp_path))
    assert found.argv == (str(program), "-v") and "found in PATH" in found.remark
    missing = convert_command("nosuch -v", search_path=str(tmp_path))
    assert missing.argv == ("nosuch", "-v") and "not found in PATH" in missing.remark
    relative = convert_command("./check", search_path=str(tmp_path))
    assert relative.argv == ("./check",) and "absolute path" in relative.remark


def test_command_text_joins_unquoted_words():
    assert command_text(["/bin/x a"]) == "/bin/x a"
    assert command_text(["/bin/x", "a"]) == "/bin/x a"


def test_rendered_toml_reads_back_identically():
    document = {
        "global": {"router_id": 'odd "id"\\with\ttab', "startup_delay": 2.5},
        "scripts": {"chk a": {"command": ["/bin/x", "é", "\x01"], "weight": -3}},
        "instances": {
            "VI_1": {
                "preempt": False,
                "virtual_ipaddress": [{"address": "192.0.2.1/24", "label": "eth0:a"}] * 3,
            }
        },
    }
    text = render(document, "# header\n")
    assert text.startswith("# header\n")
    assert '[scripts."chk a"]' in text
    assert tomllib.loads(text) == document


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), object(), None])
def test_values_toml_cannot_hold_are_refused(bad):
    with pytest.raises((ValueError, TypeError)):
        value(bad)


def test_strings_escape_quotes_backslashes_and_controls():
    assert string('a"b\\c\nd\x7f') == '"a\\"b\\\\c\\nd\\u007f"'


def test_every_section_is_written_in_order_even_one_the_order_does_not_list():
    # track_processes was once missing from the order and silently left out of the output
    document = {
        "later": {"x": {"a": 1}},
        "instances": {"VI_1": {"b": 2}},
        "track_processes": {"p": {"process": ["p"]}},
        "global": {"c": 3},
    }
    text = render(document)
    assert tomllib.loads(text) == document
    headers = [line for line in text.splitlines() if line.startswith("[")]
    assert headers == ["[global]", "[track_processes.p]", "[instances.VI_1]", "[later.x]"]
