"""RFC 5798 §6.1 / RFC 3768 §6.1 timing maths and the wire interval units."""

from __future__ import annotations

import math

import pytest

from vrrpd.protocol.timing import (
    centiseconds_to_seconds,
    master_down_interval,
    seconds_to_centiseconds,
    seconds_to_v2,
    seconds_to_wire_interval,
    skew_time,
    v2_to_seconds,
    wire_interval_to_seconds,
)


@pytest.mark.parametrize(
    ("priority", "mai", "skew"),
    [(100, 1.0, 156 / 256), (255, 1.0, 1 / 256), (1, 1.0, 255 / 256), (200, 0.5, 56 * 0.5 / 256)],
)
def test_6_1_v3_skew_time_scales_with_master_adver_interval(priority, mai, skew):
    assert skew_time(priority, mai, 3) == pytest.approx(skew)


def test_rfc3768_6_1_v2_skew_time_is_in_seconds_whatever_the_interval():
    assert skew_time(100, 1.0, 2) == pytest.approx(156 / 256)
    assert skew_time(100, 5.0, 2) == pytest.approx(156 / 256)


def test_6_1_master_down_interval_is_three_intervals_plus_skew():
    assert master_down_interval(100, 1.0, 3) == pytest.approx(3 + 156 / 256)
    assert master_down_interval(100, 0.1, 3) == pytest.approx(0.3 + 15.6 / 256)
    assert master_down_interval(100, 2.0, 2) == pytest.approx(6 + 156 / 256)


def test_6_1_higher_priority_always_has_the_shorter_master_down_interval():
    for version in (2, 3):
        intervals = [master_down_interval(p, 1.0, version) for p in range(1, 256)]
        assert intervals == sorted(intervals, reverse=True)
        assert len(set(intervals)) == 255


@pytest.mark.parametrize("version", [1, 4, 0])
def test_timing_rejects_an_unknown_version(version):
    with pytest.raises(ValueError, match="version"):
        skew_time(100, 1.0, version)
    with pytest.raises(ValueError, match="version"):
        seconds_to_wire_interval(1.0, version)
    with pytest.raises(ValueError, match="version"):
        wire_interval_to_seconds(1, version)


@pytest.mark.parametrize("priority", [0, 256, -1, 100.0, True])
def test_timing_rejects_a_priority_outside_1_to_255(priority):
    with pytest.raises(ValueError, match="priority"):
        master_down_interval(priority, 1.0, 3)


@pytest.mark.parametrize("interval", [0.0, -1.0, math.inf, math.nan, "1", True])
def test_timing_rejects_a_non_positive_or_non_finite_interval(interval):
    with pytest.raises(ValueError, match="interval"):
        skew_time(100, interval, 3)


@pytest.mark.parametrize(
    ("seconds", "centiseconds"), [(0.01, 1), (1.0, 100), (0.1, 10), (0.29, 29), (40.95, 4095)]
)
def test_v3_interval_round_trips_through_centiseconds(seconds, centiseconds):
    assert seconds_to_centiseconds(seconds) == centiseconds
    assert centiseconds_to_seconds(centiseconds) == pytest.approx(seconds)
    assert seconds_to_wire_interval(seconds, 3) == centiseconds
    assert wire_interval_to_seconds(centiseconds, 3) == pytest.approx(seconds)


@pytest.mark.parametrize("seconds", [0.0, 0.005, 40.96, 41.0, -0.01, 0.015, math.inf, math.nan])
def test_v3_interval_rejects_what_12_bits_of_centiseconds_cannot_carry(seconds):
    with pytest.raises(ValueError, match="v3 interval"):
        seconds_to_centiseconds(seconds)


@pytest.mark.parametrize("value", [0, 4096, -1, 1.5, True, "100"])
def test_v3_field_value_outside_1_to_4095_is_rejected(value):
    with pytest.raises(ValueError, match="v3 interval"):
        centiseconds_to_seconds(value)


@pytest.mark.parametrize(("seconds", "field"), [(1.0, 1), (1, 1), (255.0, 255), (3.0, 3)])
def test_v2_interval_round_trips_through_whole_seconds(seconds, field):
    assert seconds_to_v2(seconds) == field
    assert v2_to_seconds(field) == float(seconds)
    assert seconds_to_wire_interval(seconds, 2) == field
    assert wire_interval_to_seconds(field, 2) == float(seconds)


@pytest.mark.parametrize("seconds", [0.0, 0.5, 1.5, 256.0, -1.0, "1", None, True])
def test_v2_interval_must_be_whole_seconds_1_to_255(seconds):
    with pytest.raises(ValueError, match="v2 interval"):
        seconds_to_v2(seconds)


@pytest.mark.parametrize("value", [0, 256, 1.0, False])
def test_v2_field_value_outside_1_to_255_is_rejected(value):
    with pytest.raises(ValueError, match="v2 interval"):
        v2_to_seconds(value)
