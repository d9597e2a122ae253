"""GarpSchedule with a fake sender and real asyncio timers (margins are generous)."""

from __future__ import annotations

import asyncio
import logging
import math

import pytest

from vrrpd.io.errors import SendFailed
from vrrpd.io.garp import GarpSchedule

pytestmark = pytest.mark.timeout(60)


class FakeSender:
    def __init__(self, fail_with: SendFailed | None = None) -> None:
        self.rounds: list[tuple[float, list[bytes]]] = []
        self.fail_with = fail_with

    def send(self, frames: list[bytes]) -> int:
        self.rounds.append((asyncio.get_running_loop().time(), list(frames)))
        if self.fail_with is not None:
            raise self.fail_with
        return len(frames)

    def offsets(self) -> list[float]:
        start = self.rounds[0][0]
        return [when - start for when, _ in self.rounds]


FRAMES = [b"frame-1", b"frame-2"]


def schedule(sender, **overrides) -> GarpSchedule:
    settings = {"repeat": 1, "interval": 0.0, "second_delay": 0.0, "refresh": 0.0}
    return GarpSchedule(sender, FRAMES, **(settings | overrides))


def near(offset: float, planned: float) -> bool:
    """Not early, and late by less than a loaded machine could plausibly delay a timer."""
    return planned - 0.005 <= offset < planned + 0.08


def run(coro, timeout: float = 10.0):
    async def bounded():
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


def test_first_round_goes_out_before_start_returns_then_the_burst_follows():
    sender = FakeSender()

    async def scenario():
        garp = schedule(sender, repeat=3, interval=0.1)
        garp.start()
        assert len(sender.rounds) == 1
        await asyncio.sleep(0.5)
        assert not garp.running

    run(scenario())
    offsets = sender.offsets()
    assert len(offsets) == 3
    assert near(offsets[1], 0.1)
    assert near(offsets[2], 0.2)
    assert all(frames == FRAMES for _, frames in sender.rounds)


def test_second_burst_comes_after_the_delay():
    sender = FakeSender()

    async def scenario():
        garp = schedule(sender, repeat=2, interval=0.05, second_delay=0.4)
        garp.start()
        await asyncio.sleep(0.25)
        assert len(sender.rounds) == 2
        await asyncio.sleep(0.5)

    run(scenario())
    offsets = sender.offsets()
    assert len(offsets) == 4
    assert near(offsets[2], 0.4)
    assert near(offsets[3], 0.45)


def test_refresh_repeats_bursts_until_stopped():
    sender = FakeSender()

    async def scenario():
        garp = schedule(sender, refresh=0.2)
        garp.start()
        await asyncio.sleep(0.7)
        assert garp.running
        garp.stop()
        assert not garp.running
        count = len(sender.rounds)
        await asyncio.sleep(0.25)
        return count

    assert run(scenario()) == 4  # at 0, 0.2, 0.4, 0.6
    assert len(sender.rounds) == 4
    assert all(
        near(got, want) for got, want in zip(sender.offsets(), [0, 0.2, 0.4, 0.6], strict=True)
    )


def test_stop_cancels_the_rest_of_the_burst_and_the_second_burst():
    sender = FakeSender()

    async def scenario():
        garp = schedule(sender, repeat=3, interval=0.1, second_delay=0.3, refresh=0.5)
        garp.start()
        garp.burst()
        await asyncio.sleep(0.05)
        garp.stop()
        garp.stop()  # idempotent
        await asyncio.sleep(0.5)

    run(scenario())
    assert len(sender.rounds) == 2  # the two immediate rounds, nothing later


def test_stop_when_a_round_is_already_due_still_prevents_it():
    sender = FakeSender()

    async def scenario():
        garp = schedule(sender, repeat=2, interval=0.05)
        garp.start()
        await asyncio.sleep(0.0)
        time_of_round_two = asyncio.get_running_loop().time() + 0.06
        while asyncio.get_running_loop().time() < time_of_round_two:
            pass  # block the loop past the deadline: the timer is now overdue
        garp.stop()
        await asyncio.sleep(0.1)

    run(scenario())
    assert len(sender.rounds) == 1


def test_extra_burst_does_not_disturb_the_schedule():
    sender = FakeSender()

    async def scenario():
        garp = schedule(sender, repeat=2, interval=0.05, second_delay=0.4)
        garp.start()
        await asyncio.sleep(0.15)
        garp.burst()
        await asyncio.sleep(0.5)

    run(scenario())
    offsets = sender.offsets()
    assert len(offsets) == 8
    assert near(offsets[2], 0.15) and near(offsets[3], 0.2)  # the extra burst
    assert near(offsets[4], 0.4) and near(offsets[5], 0.45)  # second burst still on time
    # and the extra burst's own second burst, past the clients' neighbour locktime
    assert near(offsets[6], 0.55) and near(offsets[7], 0.6)


def test_restart_replaces_the_running_schedule():
    sender = FakeSender()

    async def scenario():
        garp = schedule(sender, repeat=2, interval=0.1)
        garp.start()
        garp.start()
        await asyncio.sleep(0.3)

    run(scenario())
    assert len(sender.rounds) == 3  # two immediate rounds, one follow-up


def test_update_frames_applies_to_the_next_round():
    sender = FakeSender()

    async def scenario():
        garp = schedule(sender, repeat=2, interval=0.05)
        garp.start()
        garp.update_frames([b"frame-3"])
        await asyncio.sleep(0.15)

    run(scenario())
    assert [frames for _, frames in sender.rounds] == [FRAMES, [b"frame-3"]]


def test_on_sent_counts_frames_and_send_errors_do_not_stop_the_schedule(caplog):
    partial = SendFailed("sending GARP/NA on va (1/2 sent)", 100, "Network is down", sent=1)
    sender = FakeSender(fail_with=partial)
    counted: list[int] = []

    async def scenario():
        garp = GarpSchedule(
            sender,
            FRAMES,
            repeat=3,
            interval=0.02,
            second_delay=0,
            refresh=0,
            on_sent=counted.append,
        )
        garp.start()
        await asyncio.sleep(0.15)

    with caplog.at_level(logging.WARNING, logger="vrrpd.io.garp"):
        run(scenario())
    assert len(sender.rounds) == 3
    assert counted == [1, 1, 1]
    assert "Network is down" in caplog.text


def test_failing_on_sent_callback_does_not_stop_the_schedule(caplog):
    sender = FakeSender()

    def broken(_count: int) -> None:
        raise RuntimeError("metrics down")

    async def scenario():
        garp = GarpSchedule(
            sender, FRAMES, repeat=2, interval=0.02, second_delay=0, refresh=0, on_sent=broken
        )
        garp.start()
        await asyncio.sleep(0.1)

    with caplog.at_level(logging.ERROR, logger="vrrpd.io.garp"):
        run(scenario())
    assert len(sender.rounds) == 2
    assert "metrics down" in caplog.text


def test_start_outside_an_event_loop_sends_nothing():
    sender = FakeSender()
    with pytest.raises(RuntimeError):
        schedule(sender).start()
    assert sender.rounds == []


@pytest.mark.parametrize("repeat", [0, -1, True, 1.5, "3"])
def test_repeat_must_be_a_positive_integer(repeat):
    with pytest.raises(ValueError, match="repeat"):
        schedule(FakeSender(), repeat=repeat)


@pytest.mark.parametrize("name", ["interval", "second_delay", "refresh"])
@pytest.mark.parametrize("value", [-0.1, math.nan, math.inf, "1", None])
def test_delays_must_be_finite_and_not_negative(name, value):
    with pytest.raises(ValueError, match=name):
        schedule(FakeSender(), **{name: value})
