"""Hostile and careless input: every bad file gives clear `FILE: path: message` lines and exit 2
from check-config and run (reload reads through the same load_config), never a traceback, and
the work stays bounded whatever the file holds."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from vrrpd.cli import main
from vrrpd.config import ConfigError, load_config, parse_config
from vrrpd.config.addresses import Repeats
from vrrpd.config.source import MAX_CONFIG_BYTES, MAX_NESTING, nesting_problem
from vrrpd.runtime.entry import run

HEAD = '[instances.VI_1]\ninterface = "eth0"\nvirtual_router_id = 51\n'
VIPS = "instances.VI_1.virtual_ipaddress"


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.render().splitlines()


def check_config(path: Path, capsys) -> tuple[int, list[str]]:
    code = main(["check-config", "-c", str(path)])
    return code, capsys.readouterr().err.splitlines()


# -- the file as a whole ------------------------------------------------------------------------


def test_toml_nested_500_deep_is_one_line_with_its_position(tmp_path: Path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text(HEAD + "virtual_ipaddress = " + "[" * 500 + "]" * 500 + "\n")
    column = len("virtual_ipaddress = ") + MAX_NESTING + 1
    message = "lists and tables are nested more than 32 levels deep"
    expected = f"{path}: line 4, column {column}: {message}"
    assert problems_of(path) == [expected]
    assert check_config(path, capsys) == (2, [expected])
    assert run(str(path), None) == 2  # `vrrpd run` refuses it the same way
    assert capsys.readouterr().err.splitlines() == [expected]


def test_nesting_inside_strings_and_comments_does_not_count():
    deep = "[" * 100
    text = f'a = "{deep}"\nb = \'{deep}\'\n# {deep}\nc = """\n{deep}\\"""\n"""\nd = [[1]]\n'
    assert nesting_problem(text) is None
    assert nesting_problem("a = " + "[" * (MAX_NESTING + 1)) is not None


def test_deep_nesting_in_a_thread_is_caught_too(tmp_path: Path):
    """Reload parses off the event loop, in a thread: the same clear error there."""
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "{b = " * 600 + "1" + "}" * 600 + "\n")
    result: list[str] = []
    worker = threading.Thread(target=lambda: result.extend(problems_of(path)))
    worker.start()
    worker.join(30)
    assert result and "nested more than 32 levels deep" in result[0]


def test_a_file_over_one_mebibyte_is_refused_by_its_size(tmp_path: Path, capsys):
    path = tmp_path / "huge.toml"
    path.write_text(HEAD + 'virtual_ipaddress = ["192.0.2.100/24"]\n' + "#" * MAX_CONFIG_BYTES)
    size = path.stat().st_size
    expected = f"{path}: the file is {size} bytes; the limit is 1048576 bytes (1 MiB)"
    assert problems_of(path) == [expected]
    assert check_config(path, capsys) == (2, [expected])


def test_text_over_the_limit_is_refused_by_parse_config_too():
    with pytest.raises(ConfigError, match="the limit is 1048576 bytes"):
        parse_config("#" * (MAX_CONFIG_BYTES + 1), "big.toml")


def test_a_fifo_as_config_file_does_not_block(tmp_path: Path):
    path = tmp_path / "fifo.toml"
    os.mkfifo(path)
    assert problems_of(path) == [f"{path}: cannot read the file: not a regular file"]


# -- interface names, sockets, names -------------------------------------------------------------


@pytest.mark.parametrize("name", ["eth\\u0000", "eth0\\u0007", "eth\\u007f"])
def test_control_characters_in_an_interface_name(only_problem, name):
    text = HEAD.replace('"eth0"', f'"{name}"') + 'virtual_ipaddress = ["192.0.2.100/24"]\n'
    path, message = only_problem(text)
    assert path == "instances.VI_1.interface"
    assert message.endswith("contains a NUL or control character")


@pytest.mark.parametrize(
    ("socket", "message"),
    [
        ("vrrpd.sock", "'vrrpd.sock' must be an absolute path, like '/run/vrrpd/vrrpd.sock'"),
        ("run/x.sock", "'run/x.sock' must be an absolute path, like '/run/vrrpd/vrrpd.sock'"),
        ("/run/vrrpd/", "'/run/vrrpd/' is a directory; name the socket file in it, like "
         "'/run/vrrpd/vrrpd.sock'"),
        ("/tmp\\u0000x", "'/tmp\\x00x' contains a NUL character"),
    ],
)
def test_bad_control_socket(only_problem, make_instance, socket, message):
    text = f'[global]\ncontrol_socket = "{socket}"\n' + make_instance()
    assert only_problem(text) == ("global.control_socket", message)


def test_control_socket_that_is_an_existing_directory(only_problem, make_instance, tmp_path):
    text = f'[global]\ncontrol_socket = "{tmp_path}"\n' + make_instance()
    path, message = only_problem(text)
    assert path == "global.control_socket"
    assert message.startswith(f"{str(tmp_path)!r} is a directory;")


@pytest.mark.parametrize("name", ["-x", "--help", '".hidden"', '".."', '"VI_1\\n"', '"a\\u0000b"'])
def test_instance_names_that_would_reach_hooks_as_options_or_break_lines(
    only_problem, make_instance, name
):
    path, message = only_problem(make_instance(name=name))
    assert message.startswith("instance names are 1 to 64 letters")
    assert "not starting with '-'" in message
    assert "\n" not in path and "\0" not in path  # the key is escaped: one line per problem


def test_newline_in_a_name_is_escaped_in_the_path(only_problem, make_instance):
    path, _ = only_problem(make_instance(name='"VI_1\\n"'))
    assert path == 'instances."VI_1\\u000A"'


@pytest.mark.parametrize(
    ("section", "table"),
    [
        ("sync_groups", 'instances = ["VI_1", "VI_2"]'),
        ("scripts", 'command = ["/bin/true"]'),
        ("track_files", 'file = "/run/x"'),
    ],
)
def test_other_names_starting_with_a_dash(problems_in, make_instance, section, table):
    text = make_instance() + make_instance("VI_2", virtual_router_id=52,
                                           virtual_ipaddress=["192.0.2.101/24"])
    text += f"[{section}.-x]\n{table}\n"
    assert (f"{section}.-x", "names are 1 to 64 letters, digits, '_', '-' or '.', "
            "not starting with '-' or '.'") in problems_in(text)


def test_good_names_still_pass(instance_of):
    assert instance_of(name='"web-1.v4_a"').name == "web-1.v4_a"


# -- virtual addresses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("192.0.2.0/24", "192.0.2.0 is the network address of 192.0.2.0/24; use a host address"),
        ("192.0.2.128/25", "192.0.2.128 is the network address of 192.0.2.128/25; "
         "use a host address"),
        ("192.0.2.255/24", "192.0.2.255 is the broadcast address of 192.0.2.0/24"),
        ("2001:db8::/64", "2001:db8:: is the subnet-router anycast address of 2001:db8::/64; "
         "use a host address"),
        ("2001:db8::/126", "2001:db8:: is the subnet-router anycast address of 2001:db8::/126; "
         "use a host address"),
        ("ff02::1", "ff02::1 is a multicast address"),
        ("127.0.0.1", "127.0.0.1 is a loopback address"),
        ("0.0.0.0", "0.0.0.0 is the unspecified address"),
    ],
)
def test_addresses_of_no_host_are_not_vips(only_problem, make_instance, text, message):
    assert only_problem(make_instance(virtual_ipaddress=[text])) == (f"{VIPS}[0]", message)


def test_many_repeated_vips_are_summarised(tmp_path: Path, capsys):
    """50 000 copies (just under 1 MiB): a handful of lines, not 50 000; linear work."""
    path = tmp_path / "dup.toml"
    path.write_text(HEAD + "virtual_ipaddress = [" + '"192.0.2.1",' * 50_000 + "]\n")
    assert path.stat().st_size < MAX_CONFIG_BYTES
    lines = problems_of(path)
    shown = Repeats.SHOWN
    assert lines[0] == (
        f"{path}: {VIPS}: has 50000 addresses; an advert carries 255 (put the others in "
        "virtual_ipaddress_excluded; entries after [254] are not checked)"
    )
    assert lines[1 : 1 + shown] == [
        f"{path}: {VIPS}[{index}]: 192.0.2.1 is already listed at [0]"
        for index in range(1, 1 + shown)
    ]
    summary = f"{254 - shown} more entries repeat an earlier address"
    assert lines[1 + shown :] == [f"{path}: {VIPS}: {summary}"]
    code, err = check_config(path, capsys)
    assert (code, len(err)) == (2, shown + 2)


def test_repeated_unicast_peers_are_summarised(problems_in, make_instance):
    text = make_instance(unicast_src_ip="192.0.2.11", unicast_peer=["192.0.2.12"] * 20)
    problems = problems_in(text)
    assert len(problems) == Repeats.SHOWN + 1
    assert problems[-1] == (
        "instances.VI_1.unicast_peer",
        f"{19 - Repeats.SHOWN} more entries repeat an earlier address",
    )


# -- warnings -----------------------------------------------------------------------------------


def test_ipv6_instance_whose_first_address_is_not_link_local_warns(tmp_path: Path, capsys):
    path = tmp_path / "v6.toml"
    path.write_text(HEAD + 'virtual_ipaddress = ["2001:db8::100/64", "fe80::100/64"]\n')
    config = load_config(path)
    [warning] = config.warnings
    assert warning.path == f"{VIPS}[0]"
    code = main(["check-config", "-c", str(path)])
    out, err = capsys.readouterr()
    assert code == 0
    assert err.splitlines() == [warning.render(str(path))]
    assert err.startswith(f"{path}: {VIPS}[0]: warning: 2001:db8::100 is not link-local;")
    assert out == f"{path}: OK (1 instance)\n"


def test_link_local_first_address_does_not_warn(instance_of, make_instance):
    text = make_instance(virtual_ipaddress=["fe80::100/64", "2001:db8::100/64"])
    assert parse_config(text, "t.toml").warnings == ()


def test_owner_with_preempt_false_warns_that_it_preempts_anyway(make_instance):
    config = parse_config(make_instance(priority=255, preempt=False), "t.toml")
    [warning] = config.warnings
    assert warning.path == "instances.VI_1.preempt"
    assert "address owner (priority 255) always preempts" in warning.message
