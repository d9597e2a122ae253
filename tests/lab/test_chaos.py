"""`make chaos` in small: a two-minute seeded chaos run against vrrpd must end without a
violation (the seed is printed; replay it with `python -m netns_lab chaos --seed S`)."""

from __future__ import annotations

import os

import pytest
from netns_lab.chaos import run_chaos

pytestmark = [pytest.mark.lab, pytest.mark.timeout(400)]


def test_two_minute_chaos_run_has_no_violation(capsys):
    # a fixed schedule in the suite (reproducible CI); VRRPD_CHAOS_SEED explores others
    seed = int(os.environ.get("VRRPD_CHAOS_SEED", "549762912"))
    lines: list[str] = []
    report = run_chaos(2.0, seed, "vrrpd", say=lines.append)
    print("\n".join(lines))
    assert len(report.outcomes) >= 10, "\n".join(lines)
    assert not report.violations, "\n".join(lines)
