"""notify, notify_master/backup/fault and notify_timeout, per instance and in [global]."""

from __future__ import annotations

from pathlib import Path

import pytest

from vrrpd.config import parse_config

INSTANCE = "instances.VI_1"
HOOK_KEYS = ("notify", "notify_master", "notify_backup", "notify_fault")


@pytest.fixture
def program(tmp_path: Path) -> str:
    path = tmp_path / "hook.sh"
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


def test_hooks_default_to_none(instance_of):
    instance = instance_of()
    assert [getattr(instance, key) for key in HOOK_KEYS] == [(), (), (), ()]
    assert instance.notify_timeout == 10.0


@pytest.mark.parametrize("key", HOOK_KEYS)
def test_instance_hook_with_arguments(instance_of, program, key):
    instance = instance_of(**{key: [program, "--site", "a b"], "notify_timeout": 2.5})
    assert getattr(instance, key) == (program, "--site", "a b")
    assert instance.notify_timeout == 2.5


def test_global_hook(program, make_instance):
    text = f'[global]\nnotify = ["{program}", "x"]\nnotify_timeout = 1\n' + make_instance()
    config = parse_config(text, "test.toml")
    assert config.global_.notify == (program, "x")
    assert config.global_.notify_timeout == 1.0


def test_an_empty_list_is_no_hook(instance_of):
    assert instance_of(notify=[]).notify == ()


@pytest.mark.parametrize("key", HOOK_KEYS)
def test_relative_program_is_rejected(only_problem, make_instance, key):
    assert only_problem(make_instance(**{key: ["hook.sh", "arg"]})) == (
        f"{INSTANCE}.{key}[0]",
        "'hook.sh' must be an absolute path (hooks run without a shell or PATH; put arguments "
        "in the following list items)",
    )


def test_missing_program(only_problem, make_instance, tmp_path):
    missing = tmp_path / "nope"
    assert only_problem(make_instance(notify_master=[str(missing)])) == (
        f"{INSTANCE}.notify_master[0]",
        f"{missing} does not exist",
    )


def test_a_command_line_in_one_string_is_not_split(only_problem, make_instance, program):
    path, message = only_problem(make_instance(notify=[f"{program} MASTER"]))
    assert path == f"{INSTANCE}.notify[0]"
    assert message == f"{program} MASTER does not exist"


def test_directory_is_not_a_program(only_problem, make_instance, tmp_path):
    assert only_problem(make_instance(notify_fault=[str(tmp_path)])) == (
        f"{INSTANCE}.notify_fault[0]",
        f"{tmp_path} is not a regular file",
    )


def test_program_without_execute_permission(only_problem, make_instance, tmp_path):
    path = tmp_path / "plain.sh"
    path.write_text("#!/bin/sh\n")
    path.chmod(0o644)
    assert only_problem(make_instance(notify_backup=[str(path)])) == (
        f"{INSTANCE}.notify_backup[0]",
        f"{path} is not executable (chmod +x)",
    )


def test_nul_in_an_argument(only_problem, make_instance, program):
    text = make_instance() + f'notify = ["{program}", "ok", "bad\\u0000arg"]\n'
    assert only_problem(text) == (
        f"{INSTANCE}.notify[2]",
        "contains a NUL character",
    )


def test_a_string_instead_of_a_list(only_problem, make_instance, program):
    assert only_problem(make_instance(notify=program)) == (
        f"{INSTANCE}.notify",
        f"expected a list, got the string {program!r}",
    )


@pytest.mark.parametrize("seconds", [0, -1.0, 3601, float("nan"), float("inf")])
def test_bad_timeout(only_problem, make_instance, seconds):
    assert only_problem(make_instance(notify_timeout=seconds)) == (
        f"{INSTANCE}.notify_timeout",
        f"must be more than 0 and at most 3600 seconds, got {float(seconds)}",
    )


def test_bad_global_hook_and_timeout(problems_in, make_instance):
    text = '[global]\nnotify = ["relative"]\nnotify_timeout = 0\n' + make_instance()
    assert problems_in(text) == [
        (
            "global.notify[0]",
            "'relative' must be an absolute path (hooks run without a shell or PATH; put "
            "arguments in the following list items)",
        ),
        ("global.notify_timeout", "must be more than 0 and at most 3600 seconds, got 0.0"),
    ]


def test_every_bad_hook_is_reported(problems_in, make_instance):
    found = problems_in(make_instance(notify=["a"], notify_master=["b"], notify_timeout=0))
    assert [path for path, _ in found] == [
        f"{INSTANCE}.notify_master[0]",
        f"{INSTANCE}.notify[0]",
        f"{INSTANCE}.notify_timeout",
    ]
