"""[scripts.NAME], [track_files.NAME], each instance's track_interface / track_script /
track_file lists, and global.startup_delay: every key, its default and every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.config.conftest import instance_toml, toml_value
from vrrpd.config import parse_config
from vrrpd.config.model import ScriptConfig, TrackFileConfig, TrackRef

INSTANCE = "instances.VI_1"


@pytest.fixture
def program(tmp_path: Path) -> str:
    path = tmp_path / "check.sh"
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return str(path)


def table(header: str, **keys) -> str:
    lines = [f"[{header}]"] + [f"{key} = {toml_value(value)}" for key, value in keys.items()]
    return "\n".join(lines) + "\n"


def script(program: str, name: str = "chk", **keys) -> str:
    return table(f"scripts.{name}", command=[program], **keys)


def parse(text: str):
    return parse_config(text, "test.toml")


# -- global.startup_delay --------------------------------------------------------------------


def test_startup_delay_defaults_to_zero():
    assert parse(instance_toml()).global_.startup_delay == 0.0


def test_startup_delay_is_read():
    assert parse(table("global", startup_delay=5.5) + instance_toml()).global_.startup_delay == 5.5


@pytest.mark.parametrize("value", [-1.0, 3601.0, float("nan"), float("inf")])
def test_startup_delay_out_of_range(only_problem, value):
    path, message = only_problem(table("global", startup_delay=value) + instance_toml())
    assert path == "global.startup_delay"
    assert "0 to 3600 seconds" in message


def test_startup_delay_must_be_a_number(only_problem):
    assert only_problem(table("global", startup_delay="5") + instance_toml()) == (
        "global.startup_delay",
        "expected a number, got the string '5'",
    )


# -- scripts ---------------------------------------------------------------------------------


def test_script_defaults(program):
    config = parse(script(program) + instance_toml())
    assert config.scripts == (
        ScriptConfig(
            name="chk", command=(program,), interval=1.0, timeout=1.0, weight=0, rise=1, fall=1
        ),
    )


def test_script_with_every_key(program):
    text = script(program, interval=2.0, timeout=5.0, weight=-20, rise=2, fall=3)
    text = text.replace(f'command = ["{program}"]', f'command = ["{program}", "-x", "nginx"]')
    (chk,) = parse(text + instance_toml()).scripts
    assert chk.command == (program, "-x", "nginx")
    assert (chk.interval, chk.timeout, chk.weight, chk.rise, chk.fall) == (2.0, 5.0, -20, 2, 3)


def test_timeout_defaults_to_the_interval(program):
    (chk,) = parse(script(program, interval=3.0) + instance_toml()).scripts
    assert chk.timeout == 3.0


@pytest.mark.parametrize(
    ("keys", "path", "words"),
    [
        ({"interval": 0.05}, "interval", "must be 0.1 to 3600 seconds"),
        ({"interval": 3601.0}, "interval", "must be 0.1 to 3600 seconds"),
        ({"interval": float("nan")}, "interval", "must be 0.1 to 3600 seconds"),
        ({"timeout": 0.0}, "timeout", "more than 0 and at most 3600"),
        ({"timeout": -1.0}, "timeout", "more than 0 and at most 3600"),
        ({"timeout": 3601.0}, "timeout", "more than 0 and at most 3600"),
        ({"weight": 254}, "weight", "must be -253..253, got 254"),
        ({"weight": -254}, "weight", "must be -253..253, got -254"),
        ({"rise": 0}, "rise", "must be 1..1000 results, got 0"),
        ({"fall": 0}, "fall", "must be 1..1000 results, got 0"),
        ({"fall": 1001}, "fall", "must be 1..1000 results, got 1001"),
    ],
)
def test_script_values_out_of_range(only_problem, program, keys, path, words):
    found_path, message = only_problem(script(program, **keys) + instance_toml())
    assert found_path == f"scripts.chk.{path}"
    assert words in message


@pytest.mark.parametrize("weight", [-253, 253])
def test_script_weight_limits_are_accepted(program, weight):
    assert parse(script(program, weight=weight) + instance_toml()).scripts[0].weight == weight


def test_script_command_is_required(only_problem):
    assert only_problem(table("scripts.chk", interval=1.0) + instance_toml()) == (
        "scripts.chk.command",
        "required key is missing",
    )


def test_script_command_must_not_be_empty(only_problem):
    path, message = only_problem(table("scripts.chk", command=[]) + instance_toml())
    assert path == "scripts.chk.command"
    assert "needs a program" in message


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (["pgrep", "nginx"], "must be an absolute path"),
        (["/nonexistent/check"], "does not exist"),
        (["/etc"], "is not a regular file"),
    ],
)
def test_script_program_is_checked_like_a_hook(only_problem, command, words):
    path, message = only_problem(table("scripts.chk", command=command) + instance_toml())
    assert path == "scripts.chk.command[0]"
    assert words in message


def test_script_program_must_be_executable(only_problem, program):
    Path(program).chmod(0o644)
    assert only_problem(script(program) + instance_toml()) == (
        "scripts.chk.command[0]",
        f"{program} is not executable (chmod +x)",
    )


def test_script_unknown_key_gets_a_hint(only_problem, program):
    text = script(program) + "intervall = 2.0\n" + instance_toml()
    assert only_problem(text) == (
        "scripts.chk",
        "unknown key 'intervall' (did you mean 'interval'?)",
    )


def test_script_name_is_checked(only_problem, program):
    path, message = only_problem(script(program, name='"chk nginx"') + instance_toml())
    assert path == 'scripts."chk nginx"'
    assert "letters, digits" in message


@pytest.mark.parametrize("section", ["scripts", "track_files", "sync_groups"])
def test_sections_must_be_tables(only_problem, section):
    assert only_problem(f"{section} = 1\n" + instance_toml()) == (
        section,
        "expected a table, got the integer 1",
    )


# -- track_files -----------------------------------------------------------------------------


def test_track_file_defaults_to_weight_one(tmp_path):
    file = str(tmp_path / "prio_adj")
    config = parse(table("track_files.adj", file=file) + instance_toml())
    assert config.track_files == (TrackFileConfig(name="adj", file=file, weight=1),)


@pytest.mark.parametrize("weight", [-254, 0, 254])
def test_track_file_weight_limits_are_accepted(weight):
    text = table("track_files.adj", file="/run/vrrpd/adj", weight=weight) + instance_toml()
    assert parse(text).track_files[0].weight == weight


@pytest.mark.parametrize(
    ("keys", "path", "words"),
    [
        ({"file": "run/adj"}, "file", "must be an absolute path"),
        ({"file": "/etc"}, "file", "exists but is not a regular file"),
        ({"file": "/run/adj", "weight": 255}, "weight", "must be -254..254, got 255"),
        ({"file": "/run/adj", "weight": -255}, "weight", "must be -254..254, got -255"),
    ],
)
def test_track_file_mistakes(only_problem, keys, path, words):
    found_path, message = only_problem(table("track_files.adj", **keys) + instance_toml())
    assert found_path == f"track_files.adj.{path}"
    assert words in message


def test_track_file_path_is_required(only_problem):
    assert only_problem(table("track_files.adj", weight=2) + instance_toml()) == (
        "track_files.adj.file",
        "required key is missing",
    )


# -- instance references ---------------------------------------------------------------------


def test_tracking_defaults_to_nothing(instance_of):
    instance = instance_of()
    assert (instance.track_interface, instance.track_script, instance.track_file) == ((), (), ())


def test_every_reference_form(program):
    text = (
        script(program)
        + script(program, name="chk_other")
        + table("track_files.adj", file="/run/vrrpd/adj")
        + table("track_files.other", file="/run/vrrpd/other")
        + instance_toml(
            track_interface=["eth1", {"name": "eth2", "weight": -10}],
            track_script=["chk", {"name": "chk_other", "weight": -30}],
            track_file=["adj", {"name": "other", "weight": 2}],
        )
    )
    instance = parse(text).instances[0]
    assert instance.track_interface == (TrackRef("eth1"), TrackRef("eth2", -10))
    assert instance.track_script == (TrackRef("chk"), TrackRef("chk_other", -30))
    assert instance.track_file == (TrackRef("adj"), TrackRef("other", 2))


@pytest.mark.parametrize(
    ("entry", "path", "words"),
    [
        ("eth/1", "track_interface[0]", "is not a Linux interface name"),
        ({"name": "a-very-long-interface"}, "track_interface[0].name", "longer than 15 bytes"),
        ({"name": "eth1", "weight": 254}, "track_interface[0].weight", "must be -253..253"),
        (7, "track_interface[0]", "expected a string or a table, got the integer 7"),
        ({"name": "eth1", "weigth": 1}, "track_interface[0]", "did you mean 'weight'?"),
        ({"weight": 1}, "track_interface[0].name", "required key is missing"),
    ],
)
def test_track_interface_mistakes(only_problem, entry, path, words):
    found_path, message = only_problem(instance_toml(track_interface=[entry]))
    assert found_path == f"{INSTANCE}.{path}"
    assert words in message


@pytest.mark.parametrize(
    "second", ["eth1", {"name": "eth1", "weight": -5}], ids=["string", "table"]
)
def test_an_interface_tracked_twice(only_problem, second):
    path, message = only_problem(instance_toml(track_interface=["eth1", second]))
    suffix = "" if isinstance(second, str) else ".name"
    assert (path, message) == (
        f"{INSTANCE}.track_interface[1]{suffix}",
        "'eth1' is already tracked at [0]",
    )


def test_unknown_script_gets_a_hint(only_problem, program):
    text = script(program, name="chk_nginx") + instance_toml(track_script=["chk_ngnix"])
    assert only_problem(text) == (
        f"{INSTANCE}.track_script[0]",
        "'chk_ngnix' is not defined; add a [scripts.chk_ngnix] table (did you mean 'chk_nginx'?)",
    )


def test_unknown_script_in_table_form_without_any_scripts(only_problem):
    text = instance_toml(track_script=[{"name": "chk", "weight": 5}])
    assert only_problem(text) == (
        f"{INSTANCE}.track_script[0].name",
        "'chk' is not defined; add a [scripts.chk] table",
    )


def test_unknown_track_file(only_problem):
    assert only_problem(instance_toml(track_file=["adj"])) == (
        f"{INSTANCE}.track_file[0]",
        "'adj' is not defined; add a [track_files.adj] table",
    )


def test_a_broken_script_is_not_also_reported_as_unknown(only_problem):
    text = table("scripts.chk", command=["relative"]) + instance_toml(track_script=["chk"])
    path, _ = only_problem(text)
    assert path == "scripts.chk.command[0]"


@pytest.mark.parametrize(
    ("key", "weight", "words"),
    [("track_script", 254, "-253..253"), ("track_file", 255, "-254..254")],
)
def test_weight_overrides_are_range_checked(only_problem, program, key, weight, words):
    text = (
        script(program)
        + table("track_files.chk", file="/run/vrrpd/chk")
        + instance_toml(**{key: [{"name": "chk", "weight": weight}]})
    )
    path, message = only_problem(text)
    assert path == f"{INSTANCE}.{key}[0].weight"
    assert words in message


def test_a_script_tracked_twice(only_problem, program):
    text = script(program) + instance_toml(track_script=["chk", {"name": "chk", "weight": 3}])
    assert only_problem(text) == (
        f"{INSTANCE}.track_script[1].name",
        "'chk' is already tracked at [0]",
    )


def test_problems_of_several_instances_are_all_listed(problems_in):
    text = instance_toml(track_script=["a"]) + instance_toml(
        "VI_2", virtual_router_id=52, virtual_ipaddress=["192.0.2.101/24"], track_file=["b"]
    )
    assert [path for path, _ in problems_in(text)] == [
        f"{INSTANCE}.track_script[0]",
        "instances.VI_2.track_file[0]",
    ]


# -- reverse ---------------------------------------------------------------------------------


def test_reverse_on_scripts_and_references(program):
    text = script(program, weight=-20, reverse=True) + instance_toml(
        track_script=["chk"],
        track_interface=[{"name": "eth1", "weight": 10, "reverse": True}],
    )
    config = parse(text)
    assert config.scripts[0].reverse is True
    instance = config.instances[0]
    assert instance.track_interface == (TrackRef("eth1", 10, True),)
    assert instance.track_script == (TrackRef("chk"),)  # the script's own reverse applies


def test_reverse_defaults_to_false(program):
    config = parse(script(program) + instance_toml(track_script=["chk"]))
    assert config.scripts[0].reverse is False
    assert config.instances[0].track_script[0].reverse is None


def test_a_track_file_cannot_be_reversed(only_problem):
    text = table("track_files.adj", file="/run/vrrpd/adj") + instance_toml(
        track_file=[{"name": "adj", "weight": 2, "reverse": True}]
    )
    path, message = only_problem(text)
    assert path == f"{INSTANCE}.track_file[0].reverse"
    assert "only interfaces and scripts can be reversed" in message


def test_reverse_must_be_a_boolean(only_problem, program):
    path, message = only_problem(script(program, reverse="yes") + instance_toml())
    assert path == "scripts.chk.reverse"
    assert message == "expected true or false, got the string 'yes'"


def test_dont_track_primary(instance_of):
    assert instance_of().dont_track_primary is False
    assert instance_of(dont_track_primary=True).dont_track_primary is True
# -- global.realtime_priority ----------------------------------------------------------------


def test_realtime_priority_defaults_to_off_and_is_read():
    assert parse(instance_toml()).global_.realtime_priority == 0
    text = table("global", realtime_priority=50) + instance_toml()
    assert parse(text).global_.realtime_priority == 50


@pytest.mark.parametrize("value", [-1, 100])
def test_realtime_priority_out_of_range(only_problem, value):
    path, message = only_problem(table("global", realtime_priority=value) + instance_toml())
    assert path == "global.realtime_priority"
    assert "1..99" in message
