"""Helpers for config tests: write a TOML instance from keywords, collect the problems."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from vrrpd.config import ConfigError, parse_config

MINIMAL = {"interface": "eth0", "virtual_router_id": 51, "virtual_ipaddress": ["192.0.2.100/24"]}


def toml_value(value: Any) -> str:
    """`value` as a TOML literal (strings via repr-safe escaping, inline tables, lists)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + "}"
    raise TypeError(value)


def instance_toml(name: str = "VI_1", **keys: Any) -> str:
    """An `[instances.NAME]` table: the minimal valid instance with `keys` on top; a key
    given as None is left out."""
    values = {**MINIMAL, **keys}
    lines = [f"[instances.{name}]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in values.items() if value is not None]
    return "\n".join(lines) + "\n"


@pytest.fixture
def make_instance() -> Callable[..., str]:
    return instance_toml


@pytest.fixture
def problems_in() -> Callable[[str], list[tuple[str, str]]]:
    """problems_in(text) -> [(path, message)]; fails the test if the text is valid."""

    def collect(text: str) -> list[tuple[str, str]]:
        with pytest.raises(ConfigError) as caught:
            parse_config(text, "test.toml")
        return [(problem.path, problem.message) for problem in caught.value.problems]

    return collect


@pytest.fixture
def only_problem(problems_in) -> Callable[[str], tuple[str, str]]:
    """only_problem(text) -> (path, message) of the single problem the text must have."""

    def single(text: str) -> tuple[str, str]:
        found = problems_in(text)
        assert len(found) == 1, found
        return found[0]

    return single


@pytest.fixture
def instance_of() -> Callable[..., Any]:
    """instance_of(**keys) -> the InstanceConfig parsed from a one-instance file."""

    def parse(**keys: Any):
        return parse_config(instance_toml(**keys), "test.toml").instances[0]

    return parse
