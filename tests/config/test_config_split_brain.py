"""`split_brain_after`: how many advert intervals split-brain evidence must last (0 = off)."""

from __future__ import annotations

import pytest


def test_default_is_three_intervals(instance_of):
    assert instance_of().split_brain_after == 3


@pytest.mark.parametrize("after", [0, 1, 100])
def test_zero_turns_detection_off_and_up_to_100_is_accepted(instance_of, after):
    assert instance_of(split_brain_after=after).split_brain_after == after


@pytest.mark.parametrize("after", [-1, 101])
def test_out_of_range_is_reported(only_problem, make_instance, after):
    assert only_problem(make_instance(split_brain_after=after)) == (
        "instances.VI_1.split_brain_after",
        f"must be 0 (off) or 1..100 advert intervals, got {after}",
    )


@pytest.mark.parametrize("value", [1.5, "3", True])
def test_must_be_an_integer(problems_in, make_instance, value):
    (path, message), *_ = problems_in(make_instance(split_brain_after=value))
    assert path == "instances.VI_1.split_brain_after"
    assert "expected an integer" in message
