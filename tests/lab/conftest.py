"""Fixtures for lab tests: a `lab` factory that always tears down, and a run-wide sweep.

Lab tests need root. They FAIL (never skip) without it: `make test` runs as root, so a
missing privilege is a broken setup, not a reason to pass quietly.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_LAB_SRC = Path(__file__).resolve().parents[2] / "netns-lab"
if str(_LAB_SRC) not in sys.path:
    sys.path.insert(0, str(_LAB_SRC))  # the source tree wins over a stale installed copy

from netns_lab import Lab, LabError, new_prefix, sweep  # noqa: E402


class LabSession:
    """One unique prefix per pytest run; every lab of the run gets `<prefix><n>`."""

    def __init__(self) -> None:
        self.prefix = new_prefix()
        self._counter = itertools.count(1)

    def next_prefix(self) -> str:
        return f"{self.prefix}{next(self._counter)}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Remember each phase's report on the item so fixtures can tell a failed test."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def lab_session() -> Iterator[LabSession]:
    if os.geteuid() != 0:
        pytest.fail(
            "lab tests need root (network namespaces, veths, nft); run them as root, "
            "as `make test` does",
            pytrace=False,
        )
    session = LabSession()
    yield session
    leftovers = sweep(f"{session.prefix}*")
    if leftovers:
        pytest.fail(f"lab teardown left namespaces behind (now swept): {leftovers}")


@pytest.fixture
def lab(lab_session: LabSession, request: pytest.FixtureRequest) -> Iterator[Callable[..., Lab]]:
    """Factory: `l = lab(hosts=("r1", "r2"), bond_hosts=(), ...)` returns a built Lab.

    Every lab made is torn down after the test, pass or fail; on failure each lab's
    process logs are printed (shown in pytest's report).
    """
    made: list[Lab] = []

    def make(**kwargs) -> Lab:
        new = Lab(lab_session.next_prefix(), **kwargs)
        made.append(new)
        return new.up()

    try:
        yield make
    finally:
        report = getattr(request.node, "rep_call", None)
        failed = report is None or report.failed
        errors = []
        for built in reversed(made):
            if failed:
                print(built.report())
            try:
                built.down()
            except LabError as exc:
                errors.append(exc)
        if errors:
            raise errors[0]
