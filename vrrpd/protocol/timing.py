"""RFC 5798 / RFC 3768 timing maths and interval units, pure functions on float seconds.

Everything inside the state machine works in seconds; the wire carries centiseconds (v3, 12-bit
Max Adver Int) or whole seconds (v2, 8-bit Adver Int). The conversions live here so that the
codec, the config checker and the Router agree on the one set of limits.
"""

from __future__ import annotations

import functools
import math

V3_MIN_CENTISECONDS = 1
V3_MAX_CENTISECONDS = 0xFFF  # 12 bits: 40.95 s
V2_MIN_SECONDS = 1
V2_MAX_SECONDS = 0xFF  # 8 bits
_UNIT_TOLERANCE = 1e-6  # float seconds that are "a whole number of units" up to rounding noise


def _check_version(version: int) -> None:
    if version not in (2, 3):
        raise ValueError(f"VRRP version must be 2 or 3, not {version!r}")


def _check_priority(priority: int) -> None:
    # 0 never reaches the maths (a resigning master does not compute timers) and 255 gives 0 skew.
    if isinstance(priority, bool) or not isinstance(priority, int) or not 1 <= priority <= 255:
        raise ValueError(f"priority must be 1..255, not {priority!r}")


def _check_interval(master_adver_int: float) -> None:
    is_number = isinstance(master_adver_int, int | float) and not isinstance(master_adver_int, bool)
    if not (is_number and math.isfinite(master_adver_int) and master_adver_int > 0):
        raise ValueError(
            f"advertisement interval must be a positive number of seconds, not {master_adver_int!r}"
        )


def skew_time(priority: int, master_adver_int: float, version: int) -> float:
    """Seconds a backup waits beyond 3 intervals, so the highest priority wakes first.

    v3 (RFC 5798 §6.1): ((256 - Priority) * Master_Adver_Interval) / 256.
    v2 (RFC 3768 §6.1): (256 - Priority) / 256 seconds, whatever the interval.
    """
    _check_version(version)
    _check_priority(priority)
    _check_interval(master_adver_int)
    if version == 2:
        return (256 - priority) / 256
    return ((256 - priority) * master_adver_int) / 256


@functools.lru_cache(maxsize=1024, typed=True)  # a backup asks at every advert; pure
def master_down_interval(priority: int, master_adver_int: float, version: int) -> float:
    """Seconds of silence after which a backup declares the master dead: 3 * MAI + Skew_Time."""
    return 3 * master_adver_int + skew_time(priority, master_adver_int, version)


def _whole_units(seconds: float, per_second: int, lowest: int, highest: int, what: str) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ValueError(f"{what} must be a number of seconds, not {seconds!r}")
    if not math.isfinite(seconds):
        raise ValueError(f"{what} must be finite, not {seconds!r}")
    units = round(seconds * per_second)
    if abs(units - seconds * per_second) > _UNIT_TOLERANCE * per_second:
        raise ValueError(f"{what} {seconds!r} s is not a whole number of 1/{per_second} s")
    if not lowest <= units <= highest:
        raise ValueError(
            f"{what} {seconds!r} s is outside {lowest / per_second:g}..{highest / per_second:g} s"
        )
    return units


def seconds_to_centiseconds(seconds: float) -> int:
    """v3 Max Adver Int field value for an interval in seconds (0.01..40.95, multiples of 0.01)."""
    return _whole_units(seconds, 100, V3_MIN_CENTISECONDS, V3_MAX_CENTISECONDS, "v3 interval")


def centiseconds_to_seconds(centiseconds: int) -> float:
    """Seconds for a v3 Max Adver Int field value (1..4095; 0 is meaningless on the wire)."""
    if isinstance(centiseconds, bool) or not isinstance(centiseconds, int):
        raise ValueError(f"v3 interval must be an integer of centiseconds, not {centiseconds!r}")
    if not V3_MIN_CENTISECONDS <= centiseconds <= V3_MAX_CENTISECONDS:
        raise ValueError(f"v3 interval {centiseconds} cs is outside 1..4095 cs")
    return centiseconds / 100


def seconds_to_v2(seconds: float) -> int:
    """v2 Adver Int field value for an interval in seconds (whole seconds 1..255)."""
    return _whole_units(seconds, 1, V2_MIN_SECONDS, V2_MAX_SECONDS, "v2 interval")


def v2_to_seconds(interval: int) -> float:
    """Seconds for a v2 Adver Int field value (1..255)."""
    if isinstance(interval, bool) or not isinstance(interval, int):
        raise ValueError(f"v2 interval must be an integer of seconds, not {interval!r}")
    if not V2_MIN_SECONDS <= interval <= V2_MAX_SECONDS:
        raise ValueError(f"v2 interval {interval} s is outside 1..255 s")
    return float(interval)


def seconds_to_wire_interval(seconds: float, version: int) -> int:
    """The advert's interval field for `version`: centiseconds (v3) or whole seconds (v2)."""
    _check_version(version)
    return seconds_to_centiseconds(seconds) if version == 3 else seconds_to_v2(seconds)


@functools.lru_cache(maxsize=1024, typed=True)  # asked for every advert received; pure
def wire_interval_to_seconds(interval: int, version: int) -> float:
    """Seconds for an advert's interval field of `version` (see Advert.interval)."""
    _check_version(version)
    return centiseconds_to_seconds(interval) if version == 3 else v2_to_seconds(interval)
