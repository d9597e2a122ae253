"""`make demo` works end to end, reports numbers, and leaves nothing behind."""

from __future__ import annotations

import re
import subprocess

import pytest
from netns_lab.vrrpd_demo import demo_vrrpd

pytestmark = pytest.mark.lab


def test_demo_shows_failover_and_preemption(lab_session):
    lines: list[str] = []
    prefix = lab_session.next_prefix()
    assert demo_vrrpd(prefix=prefix, say=lines.append), "\n".join(lines)
    text = "\n".join(lines)
    outage = re.search(r"client-visible outage: (\d+) ms", text)
    assert outage and 0 < int(outage.group(1)) < 3000, text
    assert "r2 MASTER" in text and "r1 MASTER again" in text
    assert re.search(r"VI_1\s+MASTER\s+100/100", text), text  # r2's status table
    assert lines[-1] == "demo OK"
    left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10)
    assert prefix not in left.stdout
