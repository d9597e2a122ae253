"""HookRunner: order, arguments and environment, timeouts that kill the process group,
failure counting, a queue that never blocks the caller. Runs real /bin/sh scripts; no root."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from vrrpd.io.hooks import HookCommand, HookJob, HookRunner
from vrrpd.runtime.counters import Counters

pytestmark = pytest.mark.timeout(60)


def script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def run(coro, timeout: float = 30.0):
    async def bounded():
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


def job(*commands: HookCommand, args=(), env=None) -> HookJob:
    return HookJob(commands=commands, args=tuple(args), env=env or {})


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_jobs_run_one_at_a_time_in_submission_order(tmp_path):
    log = tmp_path / "log"
    slow = script(
        tmp_path, "slow.sh", f'echo "start $1" >> {log}\nsleep 0.1\necho "end $1" >> {log}\n'
    )
    counters = Counters()

    async def scenario():
        runner = HookRunner("VI_1", counters)
        for n in range(4):
            runner.submit(
                job(
                    HookCommand((slow, str(n)), 5.0, "notify"),
                    HookCommand((slow, f"{n}g"), 5.0, "global.notify"),
                )
            )
        assert await runner.wait_idle(10)
        await runner.close()

    run(scenario())
    expected = []
    for n in range(4):
        expected += [f"start {n}", f"end {n}", f"start {n}g", f"end {n}g"]
    assert lines(log) == expected
    assert (counters.hooks_run, counters.hooks_failed, counters.hooks_timed_out) == (8, 0, 0)


def test_arguments_are_appended_and_environment_added(tmp_path):
    out = tmp_path / "out"
    body = f'printf "%s|" "$@" > {out}\necho "$VRRPD_STATE $VRRPD_REASON $PATH_SEEN" >> {out}\n'
    show = script(tmp_path, "show.sh", body.replace("$PATH_SEEN", "${PATH:+path}"))
    counters = Counters()

    async def scenario():
        runner = HookRunner("VI_1", counters)
        runner.submit(
            job(
                HookCommand((show, "fixed arg", "--x"), 5.0, "notify"),
                args=("VI_1", "MASTER", "BACKUP", "150"),
                env={"VRRPD_STATE": "MASTER", "VRRPD_REASON": "master down"},
            )
        )
        await runner.wait_idle(10)
        await runner.close()
        return list(runner.results)

    results = run(scenario())
    assert lines(out) == ["fixed arg|--x|VI_1|MASTER|BACKUP|150|MASTER master down path"]
    assert results[0].ok and results[0].returncode == 0


def test_a_hook_past_its_timeout_is_killed_with_its_children_and_the_next_runs(tmp_path):
    pidfile, log = tmp_path / "child.pid", tmp_path / "log"
    hang = script(tmp_path, "hang.sh", f"sleep 30 &\necho $! > {pidfile}\nwait\n")
    after = script(tmp_path, "after.sh", f"echo ran >> {log}\n")
    counters = Counters()

    async def scenario():
        runner = HookRunner("VI_1", counters)
        started = time.monotonic()
        runner.submit(job(HookCommand((hang,), 0.5, "notify_backup")))
        runner.submit(job(HookCommand((after,), 5.0, "notify")))
        assert await runner.wait_idle(10)
        elapsed = time.monotonic() - started
        await runner.close()
        return elapsed, list(runner.results)

    elapsed, results = run(scenario())
    assert 0.5 <= elapsed < 3.0
    assert results[0].timed_out and results[0].returncode is None
    assert not alive(int(pidfile.read_text())), "the hook's child survived"
    assert lines(log) == ["ran"]
    assert (counters.hooks_run, counters.hooks_timed_out, counters.hooks_failed) == (2, 1, 0)


@pytest.mark.parametrize(
    ("body", "returncode"),
    [("echo broken >&2\nexit 3\n", 3), ("kill -TERM $$\n", -15)],
    ids=["exit-status", "signal"],
)
def test_failures_are_counted_with_their_output(tmp_path, body, returncode):
    failing = script(tmp_path, "fail.sh", body)
    counters = Counters()

    async def scenario():
        runner = HookRunner("VI_1", counters)
        runner.submit(job(HookCommand((failing,), 5.0, "notify")))
        await runner.wait_idle(10)
        await runner.close()
        return runner.results[0]

    result = run(scenario())
    assert result.returncode == returncode and not result.ok
    assert counters.hooks_failed == 1 and counters.hooks_run == 1
    if returncode == 3:
        assert result.output == "broken"


@pytest.mark.parametrize("make", ["missing", "not-executable"])
def test_a_program_that_cannot_start_counts_as_failed(tmp_path, make):
    path = tmp_path / "prog"
    if make == "not-executable":
        path.write_text("#!/bin/sh\n")
        path.chmod(0o644)
    counters = Counters()

    async def scenario():
        runner = HookRunner("VI_1", counters)
        runner.submit(job(HookCommand((str(path),), 5.0, "notify")))
        await runner.wait_idle(10)
        await runner.close()
        return runner.results[0]

    result = run(scenario())
    assert result.returncode is None and result.error
    assert counters.hooks_failed == 1


def test_submit_never_waits_for_a_running_hook(tmp_path):
    slow = script(tmp_path, "slow.sh", "sleep 1\n")
    counters = Counters()

    async def scenario():
        runner = HookRunner("VI_1", counters)
        runner.submit(job(HookCommand((slow,), 5.0, "notify")))
        await asyncio.sleep(0.2)  # now running
        started = time.perf_counter()
        for _ in range(10):
            runner.submit(job(HookCommand((slow,), 5.0, "notify")))
        spent = time.perf_counter() - started
        await runner.close()
        return spent

    assert run(scenario()) < 0.05


def test_a_full_queue_drops_the_oldest_waiting_job(tmp_path):
    log = tmp_path / "log"
    note = script(tmp_path, "note.sh", f'echo "$1" >> {log}\nsleep 0.2\n')
    counters = Counters()

    async def scenario():
        runner = HookRunner("VI_1", counters, max_pending=2)
        for n in range(5):  # 0 starts at once; 1..4 wait, only two fit
            runner.submit(job(HookCommand((note,), 5.0, "notify"), args=(str(n),)))
            await asyncio.sleep(0)
        await asyncio.sleep(0.05)
        assert await runner.wait_idle(10)
        await runner.close()

    run(scenario())
    assert lines(log) == ["0", "3", "4"]
    assert counters.hooks_dropped == 2


def test_close_kills_the_running_hook_and_drops_the_rest(tmp_path):
    pidfile = tmp_path / "pid"
    hang = script(tmp_path, "hang.sh", f"echo $$ > {pidfile}\nexec sleep 30\n")
    counters = Counters()

    async def scenario():
        runner = HookRunner("VI_1", counters)
        runner.submit(job(HookCommand((hang,), 20.0, "notify")))
        runner.submit(job(HookCommand((hang,), 20.0, "notify")))
        for _ in range(100):
            if pidfile.exists() and pidfile.read_text().strip():
                break
            await asyncio.sleep(0.02)
        started = time.monotonic()
        await runner.close(grace=0.3)
        runner.submit(job(HookCommand((hang,), 20.0, "notify")))  # ignored once closed
        return time.monotonic() - started

    assert run(scenario()) < 3.0
    assert not alive(int(pidfile.read_text()))
    assert counters.hooks_run == 1 and counters.hooks_dropped == 1


def test_a_job_without_commands_is_not_queued():
    counters = Counters()

    async def scenario():
        runner = HookRunner("VI_1", counters)
        runner.submit(job())
        idle = runner.idle
        await runner.close()
        return idle

    assert run(scenario()) is True
    assert counters.hooks_run == 0
