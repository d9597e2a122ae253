"""Whole files: reading, TOML syntax, all problems at once, checks across instances."""

from __future__ import annotations

from pathlib import Path

import pytest

from vrrpd.config import (
    Config,
    ConfigError,
    ConfigProblem,
    InstanceConfig,
    load_config,
    parse_config,
)

VALID = """
[global]
router_id = "lb-a"

[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
virtual_ipaddress = ["192.0.2.100/24"]
"""


def test_load_config_reads_a_file(tmp_path: Path):
    path = tmp_path / "vrrpd.toml"
    path.write_text(VALID)
    config = load_config(path)
    assert isinstance(config, Config)
    assert config.global_.router_id == "lb-a"
    assert isinstance(config.instances[0], InstanceConfig)
    assert load_config(str(path)) == config


def test_every_instance_default(instance_of):
    instance = instance_of()
    assert (instance.name, instance.interface, instance.virtual_router_id) == ("VI_1", "eth0", 51)
    assert instance.priority == 100
    assert instance.advert_int == 1.0
    assert instance.advert_int_wire == 100
    assert instance.version == 3
    assert instance.preempt is True
    assert instance.preempt_delay == 0.0
    assert instance.unicast_src_ip is None
    assert instance.unicast_peer == ()
    assert (instance.auth_type, instance.auth_password) == (0, b"")
    assert instance.garp_master_delay == 1.1
    assert instance.garp_master_repeat == 3
    assert instance.garp_interval == 0.0
    assert instance.garp_master_refresh == 0.0
    assert instance.checksum_pseudo_header is True
    assert instance.family == 4


def test_missing_file_is_one_clear_line(tmp_path: Path):
    path = tmp_path / "absent.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: cannot read the file: No such file or directory"
    assert caught.value.file == str(path)


def test_directory_is_one_clear_line(tmp_path: Path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert str(caught.value) == f"{tmp_path}: cannot read the file: Is a directory"


def test_file_that_is_not_utf8(tmp_path: Path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[global]\nrouter_id = "n\xf6de"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: line 2, column 15: not UTF-8 text"


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        (
            "[global\n",
            "line 1, column 8",
            "invalid TOML: expected ']' at the end of a table declaration",
        ),
        ("a = 1\na = 2\n", "line 2, column 6", "invalid TOML: cannot overwrite a value"),
        ("priority = \n", "line 1, column 12", "invalid TOML: invalid value"),
        ("x = ", "end of file", "invalid TOML: invalid value"),
    ],
)
def test_toml_syntax_error_names_line_and_column(text, path, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "bad.toml")
    assert caught.value.problems == (ConfigProblem(path, message),)
    assert str(caught.value) == f"bad.toml: {path}: {message}"


def test_no_instances_is_a_problem(only_problem):
    assert only_problem('[global]\nrouter_id = "x"\n') == (
        "instances",
        "no instance is configured; add an [instances.NAME] table",
    )


def test_empty_file_is_a_problem(only_problem):
    assert only_problem("")[0] == "instances"


def test_duplicate_vrid_on_one_interface_and_family(only_problem, make_instance):
    text = make_instance("A") + make_instance("B", virtual_ipaddress=["192.0.2.101/24"])
    assert only_problem(text) == (
        "instances.B.virtual_router_id",
        "51 is already used on eth0 (IPv4) by instance 'A'",
    )


@pytest.mark.parametrize(
    "keys",
    [
        {"interface": "eth1", "virtual_ipaddress": ["192.0.2.101/24"]},
        {"virtual_ipaddress": ["2001:db8::1/64"]},
        {"virtual_router_id": 52, "virtual_ipaddress": ["192.0.2.101/24"]},
    ],
    ids=["other-interface", "other-family", "other-vrid"],
)
def test_same_vrid_elsewhere_is_fine(make_instance, keys):
    config = parse_config(make_instance("A") + make_instance("B", **keys), "test.toml")
    assert len(config.instances) == 2


def test_one_address_in_two_instances(only_problem, make_instance):
    text = make_instance("A") + make_instance(
        "B", virtual_router_id=52, virtual_ipaddress=["192.0.2.1", "192.0.2.100/32"]
    )
    assert only_problem(text) == (
        "instances.B.virtual_ipaddress[1]",
        "192.0.2.100 is already a virtual address of instance 'A'",
    )


def test_all_problems_at_once(tmp_path: Path, make_instance):
    text = (
        "[globl]\n"
        '[global]\nlog_level = "loud"\n'
        '[mqtt]\nhost = "h"\nport = 0\n'
        + make_instance("broken", priority="high", priorty=1)
        + make_instance("bad_values", virtual_router_id=300, advert_int=0, version=2)
        + make_instance("dup", virtual_ipaddress=["192.0.2.7/24"])
        + make_instance("fine", virtual_router_id=52, virtual_ipaddress=["192.0.2.8/24"])
        + make_instance("dup2", virtual_ipaddress=["192.0.2.7/24"])
    )
    path = tmp_path / "many.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).splitlines() == [
        f"{path}: unknown key 'globl' (did you mean 'global'?)",
        f"{path}: global.log_level: must be one of 'debug', 'info', 'warning', 'error', got 'loud'",
        f"{path}: mqtt.port: must be 1..65535, got 0",
        f"{path}: instances.broken.priority: expected an integer, got the string 'high'",
        f"{path}: instances.broken: unknown key 'priorty' (did you mean 'priority'?)",
        f"{path}: instances.bad_values.virtual_router_id: must be 1..255, got 300",
        f"{path}: instances.bad_values.advert_int: must be a whole number of seconds from 1 to "
        "255 for VRRPv2, got 0.0",
        f"{path}: instances.dup2.virtual_router_id: 51 is already used on eth0 (IPv4) by "
        "instance 'dup'",
        f"{path}: instances.dup2.virtual_ipaddress[0]: 192.0.2.7 is already a virtual address "
        "of instance 'dup'",
    ]


def test_problem_renders_without_a_path_for_file_level_problems():
    assert ConfigProblem("", "cannot read").render("f.toml") == "f.toml: cannot read"
    assert ConfigProblem("a.b", "bad").render("f.toml") == "f.toml: a.b: bad"


def test_config_error_keeps_its_parts():
    error = ConfigError("f.toml", [ConfigProblem("a", "x"), ConfigProblem("b", "y")])
    assert error.file == "f.toml"
    assert error.problems == (ConfigProblem("a", "x"), ConfigProblem("b", "y"))
    assert str(error) == "f.toml: a: x\nf.toml: b: y"
