"""Process matching and the debounced quorum (keepalived's vrrp_track_process rules)."""

from __future__ import annotations

import pytest

from vrrpd.protocol.process_match import ParamMatch, ProcessPattern, Quorum, params_match

NONE, EXACT, PARTIAL, INITIAL = ParamMatch


def test_a_name_matches_comm_exactly_not_as_a_pattern():
    pattern = ProcessPattern(("ssh",))
    assert pattern.matches("ssh", None)
    assert not pattern.matches("sshd", None)
    assert not pattern.matches("ss", None)


def test_full_command_compares_argv0_and_ignores_comm():
    pattern = ProcessPattern(("/usr/sbin/haproxy",), NONE, full_command=True)
    assert pattern.matches("whatever", ("/usr/sbin/haproxy", "-f", "x.cfg"))
    assert not pattern.matches("haproxy", ("haproxy", "-f", "x.cfg"))
    assert not pattern.matches("haproxy", ())  # a kernel thread: empty command line
    assert not pattern.matches("haproxy", None)


@pytest.mark.parametrize(
    ("mode", "wanted", "actual", "expected"),
    [
        (EXACT, ["-f", "a"], ["-f", "a"], True),
        (EXACT, ["-f", "a"], ["-f", "a", "-d"], False),
        (EXACT, ["-f", "a"], ["-f"], False),
        (EXACT, [], [], True),  # param_match without parameters: "no parameters"
        (EXACT, [], ["-d"], False),
        (PARTIAL, ["-f", "a"], ["-f", "a", "-d"], True),
        (PARTIAL, ["-f", "a"], ["-f", "ab"], False),
        (PARTIAL, [], ["-d"], True),
        (INITIAL, ["-f", "/etc/ha"], ["-f", "/etc/haproxy.cfg", "-d"], True),
        (INITIAL, ["-f", "/etc/ha"], ["-g", "/etc/haproxy.cfg"], False),
        (INITIAL, ["-f", "/etc/ha"], ["-f"], False),
        (INITIAL, [], [], True),
        (NONE, ["x"], ["y"], True),
    ],
)
def test_parameters_match_by_mode(mode, wanted, actual, expected):
    assert params_match(mode, wanted, actual) is expected


def test_first_count_is_taken_at_once_whatever_the_delays():
    q = Quorum(1, None, fork_delay=5, terminate_delay=5)
    assert q.state is None
    assert q.observe(0, now=0.0) is True
    assert q.state is False
    assert q.deadline is None


def test_quorum_and_quorum_max_bound_the_count():
    q = Quorum(2, 3)
    assert [q.holds(n) for n in range(5)] == [False, False, True, True, False]
    none_may_run = Quorum(0, 0)
    assert none_may_run.holds(0) and not none_may_run.holds(1)


def test_without_delays_every_crossing_counts_at_once():
    q = Quorum(1, None)
    q.observe(1, 0.0)
    assert q.observe(0, 1.0) is True and q.state is False
    assert q.observe(2, 2.0) is True and q.state is True
    assert q.observe(3, 3.0) is False  # still within the quorum


def test_terminate_delay_holds_a_loss_until_it_lasted():
    q = Quorum(1, None, terminate_delay=2.0)
    q.observe(1, 0.0)
    assert q.observe(0, 10.0) is False and q.state is True
    assert q.deadline == 12.0
    assert q.poll(11.9) is False
    assert q.poll(12.0) is True and q.state is False


def test_a_restart_within_the_delay_cancels_the_loss():
    q = Quorum(1, None, terminate_delay=2.0)
    q.observe(1, 0.0)
    q.observe(0, 10.0)
    assert q.observe(1, 11.0) is False
    assert q.deadline is None
    assert q.poll(20.0) is False and q.state is True


def test_fork_delay_holds_a_regained_quorum():
    q = Quorum(1, None, fork_delay=1.0, terminate_delay=0.0)
    q.observe(0, 0.0)
    assert q.observe(1, 5.0) is False and q.state is False
    assert q.observe(1, 5.5) is False  # a later count does not push the deadline
    assert q.observe(1, 6.0) is True and q.state is True
    assert q.observe(0, 7.0) is True and q.state is False  # loss without delay: at once
