"""Structural problems: unknown keys, missing keys, wrong types, each at its exact path."""

from __future__ import annotations

import datetime

import msgspec
import pytest

from vrrpd.config import ConfigProblem
from vrrpd.config.loader import _syntax_problem
from vrrpd.config.structure import (
    INVALID,
    decode_value,
    describe_value,
    join_path,
    translate_validation_error,
)


def test_unknown_key_is_reported_at_the_parent_with_a_hint(only_problem, make_instance):
    text = make_instance(priorty=100)
    assert only_problem(text) == (
        "instances.VI_1",
        "unknown key 'priorty' (did you mean 'priority'?)",
    )


def test_unknown_key_in_another_case_still_gets_a_hint(only_problem, make_instance):
    path, message = only_problem(make_instance(VIRTUAL_ROUTER_ID=7))
    assert path == "instances.VI_1"
    assert message == "unknown key 'VIRTUAL_ROUTER_ID' (did you mean 'virtual_router_id'?)"


def test_unknown_key_without_a_close_match_has_no_hint(only_problem, make_instance):
    assert only_problem(make_instance(zzz=1)) == ("instances.VI_1", "unknown key 'zzz'")


def test_unknown_top_level_key_has_an_empty_path(only_problem, make_instance):
    text = "[globl]\nrouter_id = 'x'\n" + make_instance()
    assert only_problem(text) == ("", "unknown key 'globl' (did you mean 'global'?)")


def test_unknown_key_in_global_and_mqtt(problems_in, make_instance):
    text = "[global]\nrouterid = 'x'\n[mqtt]\nhost = 'h'\nprot = 1\n" + make_instance()
    assert problems_in(text) == [
        ("global", "unknown key 'routerid' (did you mean 'router_id'?)"),
        ("mqtt", "unknown key 'prot' (did you mean 'port'?)"),
    ]


def test_unknown_key_in_a_vip_table(only_problem, make_instance):
    text = make_instance(virtual_ipaddress=[{"address": "192.0.2.1/24", "lable": "eth0:1"}])
    assert only_problem(text) == (
        "instances.VI_1.virtual_ipaddress[0]",
        "unknown key 'lable' (did you mean 'label'?)",
    )


def test_unknown_key_in_authentication(only_problem, make_instance):
    text = make_instance(version=2, authentication={"type": "PASS", "pasword": "x"})
    assert only_problem(text) == (
        "instances.VI_1.authentication",
        "unknown key 'pasword' (did you mean 'password'?)",
    )


@pytest.mark.parametrize("key", ["interface", "virtual_router_id", "virtual_ipaddress"])
def test_missing_required_key_names_it(only_problem, make_instance, key):
    assert only_problem(make_instance(**{key: None})) == (
        f"instances.VI_1.{key}",
        "required key is missing",
    )


def test_missing_mqtt_host(only_problem, make_instance):
    assert only_problem("[mqtt]\nport = 1883\n" + make_instance()) == (
        "mqtt.host",
        "required key is missing",
    )


def test_missing_authentication_type(only_problem, make_instance):
    text = make_instance(version=2, authentication={"password": "secret"})
    assert only_problem(text) == ("instances.VI_1.authentication.type", "required key is missing")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("priority", "150", "expected an integer, got the string '150'"),
        ("priority", 150.0, "expected an integer, got the number 150.0"),
        ("priority", True, "expected an integer, got true"),
        ("advert_int", "1", "expected a number, got the string '1'"),
        ("advert_int", False, "expected a number, got false"),
        ("preempt", 1, "expected true or false, got the integer 1"),
        ("interface", 0, "expected a string, got the integer 0"),
        ("unicast_peer", "192.0.2.2", "expected a list, got the string '192.0.2.2'"),
        ("virtual_ipaddress", "192.0.2.1", "expected a list, got the string '192.0.2.1'"),
        ("authentication", "PASS", "expected a table, got the string 'PASS'"),
    ],
)
def test_wrong_type_names_the_key_and_both_types(only_problem, make_instance, key, value, message):
    assert only_problem(make_instance(**{key: value})) == (f"instances.VI_1.{key}", message)


def test_wrong_type_in_a_list_names_the_index(problems_in, make_instance):
    text = make_instance(
        virtual_ipaddress=["192.0.2.1/24", 5, ["192.0.2.3"]],
        unicast_src_ip="192.0.2.10",
        unicast_peer=["192.0.2.11", 12],
    )
    assert problems_in(text) == [
        ("instances.VI_1.virtual_ipaddress[1]", "expected a string or a table, got the integer 5"),
        ("instances.VI_1.virtual_ipaddress[2]", "expected a string or a table, got a list"),
        ("instances.VI_1.unicast_peer[1]", "expected a string, got the integer 12"),
    ]


def test_wrong_type_inside_a_vip_table(only_problem, make_instance):
    text = make_instance(virtual_ipaddress=[{"address": "192.0.2.1/24", "label": 1}])
    assert only_problem(text) == (
        "instances.VI_1.virtual_ipaddress[0].label",
        "expected a string, got the integer 1",
    )


def test_toml_dates_are_named_plainly(only_problem, make_instance):
    text = make_instance().replace('interface = "eth0"', "interface = 1979-05-27")
    assert only_problem(text) == (
        "instances.VI_1.interface",
        "expected a string, got the date/time 1979-05-27",
    )


def test_every_structural_problem_of_one_instance_is_reported(problems_in, make_instance):
    text = make_instance(interface=None, priorty=1, priority="x", preempt="yes", advert_int=[])
    assert problems_in(text) == [
        ("instances.VI_1", "unknown key 'priorty' (did you mean 'priority'?)"),
        ("instances.VI_1.priority", "expected an integer, got the string 'x'"),
        ("instances.VI_1.preempt", "expected true or false, got the string 'yes'"),
        ("instances.VI_1.advert_int", "expected a number, got a list"),
        ("instances.VI_1.interface", "required key is missing"),
    ]


def test_instance_that_is_not_a_table(problems_in):
    assert problems_in("[instances]\nVI_1 = 3\n") == [
        ("instances.VI_1", "expected a table, got the integer 3"),
    ]


def test_instances_that_is_not_a_table(only_problem):
    assert only_problem("instances = [1]\n") == ("instances", "expected a table, got a list")


def test_global_that_is_not_a_table(problems_in, make_instance):
    assert problems_in('global = "x"\n' + make_instance()) == [
        ("global", "expected a table, got the string 'x'"),
    ]


def test_instance_names_that_are_not_bare_keys_are_quoted_in_paths(only_problem, make_instance):
    text = make_instance(name='"web.vip"', priority="x")
    assert only_problem(text) == (
        'instances."web.vip".priority',
        "expected an integer, got the string 'x'",
    )


def test_join_path_quotes_like_toml():
    assert join_path("", "global") == "global"
    assert join_path("instances", "VI-1_a") == "instances.VI-1_a"
    assert join_path("instances", "a b") == 'instances."a b"'
    assert join_path("instances", 'say "hi"') == 'instances."say \\"hi\\""'


def test_describe_value_covers_every_toml_type():
    assert describe_value(True) == "true"
    assert describe_value(3) == "the integer 3"
    assert describe_value(0.5) == "the number 0.5"
    assert describe_value("x") == "the string 'x'"
    assert describe_value([]) == "a list"
    assert describe_value({}) == "a table"
    assert describe_value(datetime.time(1, 2)) == "the date/time 01:02:00"
    assert describe_value(None) == "a NoneType"


@pytest.mark.parametrize(
    ("message", "base", "expected"),
    [
        (
            "Expected `int`, got `str` - at `$.a[1].b`",
            "instances.X",
            ("instances.X.a[1].b", "expected an integer, got a string"),
        ),
        ("Expected `int`, got `str` - at `$.a`", "", ("a", "expected an integer, got a string")),
        (
            "Expected `str | object`, got `int` - at `$[2]`",
            "x",
            ("x[2]", "expected a string or a table, got an integer"),
        ),
        ("Object contains unknown field `y` - at `$.v`", "m", ("m.v", "unknown key 'y'")),
        ("Object missing required field `z`", "m", ("m", "object missing required field `z`")),
        ("Expected `weird`, got `int`", "m", ("m", "expected `weird`, got an integer")),
    ],
)
def test_msgspec_errors_are_translated_to_dotted_paths(message, base, expected):
    problem = translate_validation_error(msgspec.ValidationError(message), base)
    assert (problem.path, problem.message) == expected


class _Range(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A table whose cross-field rule only msgspec sees (via __post_init__)."""

    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low must not exceed high")


def test_a_problem_only_msgspec_sees_is_still_reported():
    problems: list[ConfigProblem] = []
    assert decode_value({"low": 2, "high": 1}, _Range, "range", problems) is INVALID
    assert problems == [ConfigProblem("range", "low must not exceed high")]


def test_decode_value_returns_the_struct_when_valid():
    problems: list[ConfigProblem] = []
    assert decode_value({"low": 1, "high": 2}, _Range, "range", problems) == _Range(low=1, high=2)
    assert problems == []


def test_toml_error_without_a_position_is_still_one_line():
    assert _syntax_problem(ValueError("Something odd")) == ConfigProblem(
        "<toml>", "invalid TOML: Something odd"
    )
