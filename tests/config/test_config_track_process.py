"""`[track_processes.NAME]` and `track_process` references: keepalived's implications and
every bad value reported at its key."""

from __future__ import annotations

import pytest

from vrrpd.config import ConfigError, parse_config

INSTANCE = """
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
virtual_ipaddress = ["192.0.2.100/24"]
"""


def load(text: str, refs: str = '["p"]'):
    return parse_config(text + INSTANCE + f"track_process = {refs}\n", "t.toml")


def problems(text: str, refs: str = '["p"]') -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(text, refs)
    return [f"{p.path}: {p.message}" for p in info.value.problems]


def test_a_name_alone_has_keepalived_defaults():
    cfg = load('[track_processes.p]\nprocess = ["haproxy"]\n')
    (p,) = cfg.track_processes
    assert (p.process, p.param_match, p.full_command) == (("haproxy",), "none", False)
    assert (p.weight, p.reverse, p.quorum, p.quorum_max) == (0, False, 1, None)
    assert (p.fork_delay, p.terminate_delay) == (0.0, 0.0)
    assert cfg.instances[0].track_process[0].name == "p"
    assert cfg.global_.track_process_interval == 1.0


def test_parameters_imply_the_command_line_and_an_exact_match():
    (p,) = load('[track_processes.p]\nprocess = ["/usr/bin/sleep", "300"]\n').track_processes
    assert (p.param_match, p.full_command) == ("exact", True)


def test_param_match_alone_implies_the_command_line():
    text = '[track_processes.p]\nprocess = ["/bin/x"]\nparam_match = "exact"\n'
    (p,) = load(text).track_processes
    assert (p.param_match, p.full_command) == ("exact", True)


def test_quorum_max_zero_means_none_may_run():
    (p,) = load('[track_processes.p]\nprocess = ["x"]\nquorum_max = 0\n').track_processes
    assert (p.quorum, p.quorum_max) == (0, 0)


def test_delay_sets_both_and_each_own_key_wins():
    text = '[track_processes.p]\nprocess = ["x"]\ndelay = 2.0\nterminate_delay = 0.5\n'
    (p,) = load(text).track_processes
    assert (p.fork_delay, p.terminate_delay) == (2.0, 0.5)


def test_reference_weight_overrides_and_reverse_comes_from_the_table():
    text = '[track_processes.p]\nprocess = ["x"]\nweight = 10\nreverse = true\n'
    cfg = load(text, '[{ name = "p", weight = -20 }]')
    assert cfg.instances[0].track_process[0].weight == -20
    assert cfg.track_processes[0].reverse is True


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("process = []", "track_processes.p.process: needs a process name"),
        ('process = ["a-very-long-process-name"]',
         "track_processes.p.process: 'a-very-long-process-name' is longer than a process name"),
        ('process = ["x"]\nparam_match = "regex"',
         "track_processes.p.param_match: must be one of 'exact', 'partial', 'initial'"),
        ('process = ["x"]\nweight = 255', "track_processes.p.weight: must be -254..254"),
        ('process = ["x"]\nquorum = 0', "track_processes.p.quorum: must be 1..65535"),
        ('process = ["x"]\nquorum = 3\nquorum_max = 2',
         "track_processes.p.quorum_max: 2 is less than quorum (3)"),
        ('process = ["x"]\nquorum_max = 70000', "track_processes.p.quorum_max: must be 0..65535"),
        ('process = ["x"]\ndelay = -1.0', "track_processes.p.delay: must be 0 to 3600"),
        ('process = ["x"]\nfork_delay = nan', "track_processes.p.fork_delay: must be 0 to 3600"),
        ('process = ["x"]\nterminate_delay = 4000.0',
         "track_processes.p.terminate_delay: must be 0 to 3600"),
        ('process = ["x"]\nquorom = 2', "track_processes.p: unknown key 'quorom' (did you mean"),
    ],
)  # fmt: skip
def test_bad_values_are_reported_at_their_key(table, expected):
    found = problems(f"[track_processes.p]\n{table}\n")
    assert any(line.startswith(expected) for line in found), found


def test_a_long_name_is_fine_with_full_command():
    text = '[track_processes.p]\nprocess = ["a-very-long-process-name"]\nfull_command = true\n'
    assert load(text).track_processes[0].full_command


def test_an_unknown_reference_names_the_table_to_add():
    found = problems('[track_processes.haproxy]\nprocess = ["haproxy"]\n', '["haproxi"]')
    assert found == [
        "instances.VI_1.track_process[0]: 'haproxi' is not defined; add a "
        "[track_processes.haproxi] table (did you mean 'haproxy'?)"
    ]


def test_reference_weight_range_is_keepalived_s():
    found = problems('[track_processes.p]\nprocess = ["x"]\n', '[{ name = "p", weight = 300 }]')
    assert found == ["instances.VI_1.track_process[0].weight: must be -254..254, got 300"]


@pytest.mark.parametrize("interval", ["0.05", "61.0", "nan"])
def test_scan_interval_bounds(interval):
    found = problems(f"[global]\ntrack_process_interval = {interval}\n"
                     '[track_processes.p]\nprocess = ["x"]\n')  # fmt: skip
    expected = "global.track_process_interval: must be 0.1 to 60"
    assert any(line.startswith(expected) for line in found)
