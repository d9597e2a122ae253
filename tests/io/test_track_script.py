"""ScriptRunner: rise/fall counting, real runs of tiny /bin/sh scripts, timeouts that kill the
process group, programs that cannot start, and close() killing a run. No root needed."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from vrrpd.config.model import ScriptConfig
from vrrpd.io.track_script import ScriptRunner

pytestmark = pytest.mark.timeout(60)


def config(command, *, interval=0.1, timeout=None, rise=1, fall=1, weight=0) -> ScriptConfig:
    return ScriptConfig(
        name="chk",
        command=tuple(command),
        interval=interval,
        timeout=interval if timeout is None else timeout,
        weight=weight,
        rise=rise,
        fall=fall,
    )


def script(tmp_path: Path, body: str, name: str = "check.sh") -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def run(coro, timeout: float = 30.0):
    async def bounded():
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


# -- rise / fall -----------------------------------------------------------------------------


def results(runner: ScriptRunner, sequence: str) -> list[bool | None]:
    """Feed 'S'/'F' results; the state after each."""
    states = []
    for char in sequence:
        runner.record(char == "S")
        states.append(runner.state)
    return states


def test_first_result_counts_at_once_either_way():
    assert results(ScriptRunner(config(["/bin/true"], rise=3, fall=3)), "S") == [True]
    assert results(ScriptRunner(config(["/bin/true"], rise=3, fall=3)), "F") == [False]


def test_fall_needs_consecutive_failures():
    runner = ScriptRunner(config(["/bin/true"], rise=2, fall=3))
    assert results(runner, "SFFSFFF") == [True, True, True, True, True, True, False]


def test_rise_needs_consecutive_successes():
    runner = ScriptRunner(config(["/bin/true"], rise=2, fall=1))
    assert results(runner, "FSFSS") == [False, False, False, False, True]


def test_record_reports_changes_only():
    runner = ScriptRunner(config(["/bin/true"], rise=1, fall=2))
    assert [runner.record(ok) for ok in (True, True, False, False, False)] == [
        True,
        False,
        False,
        True,
        False,
    ]


# -- real runs -------------------------------------------------------------------------------


def test_exit_status_decides(tmp_path):
    async def scenario():
        ok = await ScriptRunner(config([script(tmp_path, "exit 0\n")])).run_once()
        bad_runner = ScriptRunner(config([script(tmp_path, "exit 3\n", "bad.sh")]))
        bad = await bad_runner.run_once()
        return ok, bad, bad_runner.last_result, bad_runner.failures

    assert run(scenario()) == (True, False, "exit 3", 1)


def test_arguments_are_passed_without_a_shell(tmp_path):
    out = tmp_path / "args"
    program = script(tmp_path, f'printf "%s|" "$@" > {out}\n')

    async def scenario():
        return await ScriptRunner(config([program, "a b", "$HOME", "*"])).run_once()

    assert run(scenario()) is True
    assert out.read_text() == "a b|$HOME|*|"


def test_timeout_kills_the_process_group_and_counts_as_failure(tmp_path):
    pids = tmp_path / "pids"
    program = script(tmp_path, f"sleep 30 &\necho $! > {pids}\nsleep 30\n")
    runner = ScriptRunner(config([program], interval=0.2, timeout=0.3))

    async def scenario():
        started = time.monotonic()
        ok = await runner.run_once()
        return ok, time.monotonic() - started

    ok, took = run(scenario())
    assert not ok
    assert took < 3.0
    assert (runner.timeouts, runner.failures, runner.last_result) == (1, 1, "timeout")
    child = int(pids.read_text())
    wait_for(lambda: not alive(child))


def test_a_program_that_cannot_start_is_a_failure(tmp_path):
    program = script(tmp_path, "exit 0\n")
    os.unlink(program)
    runner = ScriptRunner(config([program]))
    assert run(runner.run_once()) is False
    assert runner.last_result.startswith("error: ")


def test_loop_reports_changes_with_rise_and_fall(tmp_path):
    flag = tmp_path / "rc"
    flag.write_text("0")
    program = script(tmp_path, f"exit $(cat {flag})\n")
    changes: list[tuple[str, bool, int]] = []
    runner = ScriptRunner(config([program], interval=0.1, rise=2, fall=3))
    runner.on_change = lambda name, up: changes.append((name, up, runner.runs))

    async def scenario():
        runner.start()
        try:
            await until(lambda: changes)
            flag.write_text("1")
            failing_from = runner.runs
            await until(lambda: len(changes) == 2)
            flag.write_text("0")
            passing_from = runner.runs
            await until(lambda: len(changes) == 3)
            return failing_from, passing_from
        finally:
            await runner.close()

    failing_from, passing_from = run(scenario())
    assert [(name, up) for name, up, _ in changes] == [("chk", True), ("chk", False), ("chk", True)]
    assert changes[0][2] == 1  # the first result counts at once
    # fall = 3: down on the third failing run. Under load one run around the flag change
    # may have read the old value (the one counted in `failing_from`, or one spawned just
    # before the counter moved), so allow one run of slack either side of the exact count.
    assert failing_from + 2 <= changes[1][2] <= failing_from + 4
    assert passing_from + 1 <= changes[2][2] <= passing_from + 3  # rise = 2
    assert runner.status()["state"] == "up"


def test_runs_are_spaced_by_the_interval(tmp_path):
    stamps = tmp_path / "stamps"
    program = script(tmp_path, f"date +%s.%N >> {stamps}\n")
    runner = ScriptRunner(config([program], interval=0.25))

    async def scenario():
        runner.start()
        try:
            await until(lambda: runner.runs >= 4)
        finally:
            await runner.close()

    run(scenario())
    times = [float(line) for line in stamps.read_text().split()]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert all(0.2 <= gap <= 0.6 for gap in gaps), gaps


def test_close_kills_a_run_in_progress(tmp_path):
    pids = tmp_path / "pids"
    program = script(tmp_path, f"echo $$ > {pids}\nsleep 30\n")
    runner = ScriptRunner(config([program], interval=5.0))

    async def scenario():
        runner.start()
        await until(lambda: pids.exists() and pids.read_text().strip())
        await runner.close()

    run(scenario())
    wait_for(lambda: not alive(int(pids.read_text())))
    assert runner.state is None


async def until(predicate, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)
