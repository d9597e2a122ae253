"""notify_convention = "keepalived": hooks get keepalived's arguments; notify_stop,
notify_master_rx_lower_pri and the keepalived notify FIFO line."""

from __future__ import annotations

import pytest

from vrrpd.config import ConfigError, parse_config
from vrrpd.runtime.notify import rx_lower_job, transition_job
from vrrpd.runtime.sync_groups import group_job

BASE = """
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
virtual_ipaddress = ["192.0.2.100/24"]
notify_master = ["/bin/true", "m"]
notify_backup = ["/bin/true", "b"]
notify_fault = ["/bin/true", "f"]
notify_stop = ["/bin/true", "s"]
notify_master_rx_lower_pri = ["/bin/true", "rx"]
notify = ["/bin/true", "n"]
"""


def configs(instance_keys: str = "", global_keys: str = ""):
    config = parse_config(f"[global]\n{global_keys}\n{BASE}{instance_keys}", "test.toml")
    return config.instances[0], config.global_


def argvs(job) -> list[tuple[str, ...]]:
    """What each command is run with (args appended as the runner does)."""
    return [(*c.argv, *job.args) if c.with_args else c.argv for c in job.commands]


@pytest.mark.parametrize("state", ["MASTER", "BACKUP", "FAULT"])
def test_keepalived_convention_state_hook_alone_and_notify_with_four_words(state):
    cfg, global_cfg = configs('notify_convention = "keepalived"')
    job = transition_job(cfg, global_cfg, new=state, old="INIT", priority=150, reason="r")
    hook = {"MASTER": "m", "BACKUP": "b", "FAULT": "f"}[state]
    assert argvs(job) == [
        ("/bin/true", hook),
        ("/bin/true", "n", "INSTANCE", "VI_1", state, "150"),
    ]


def test_keepalived_convention_clean_stop_is_stop():
    cfg, global_cfg = configs(global_keys='notify_convention = "keepalived"')
    job = transition_job(cfg, global_cfg, new="INIT", old="MASTER", priority=150,
                         reason="shutdown")
    assert argvs(job) == [("/bin/true", "s"), ("/bin/true", "n", "INSTANCE", "VI_1", "STOP", "150")]


def test_instance_convention_overrides_the_global_one():
    cfg, global_cfg = configs('notify_convention = "vrrpd"', 'notify_convention = "keepalived"')
    job = transition_job(cfg, global_cfg, new="MASTER", old="BACKUP", priority=9, reason="r")
    assert argvs(job) == [
        ("/bin/true", "m", "VI_1", "MASTER", "BACKUP", "9"),
        ("/bin/true", "n", "VI_1", "MASTER", "BACKUP", "9"),
    ]


def test_vrrpd_convention_is_the_default_and_runs_notify_stop_with_its_args():
    cfg, global_cfg = configs()
    assert global_cfg.notify_convention == "vrrpd" and cfg.notify_convention is None
    job = transition_job(cfg, global_cfg, new="INIT", old="BACKUP", priority=100,
                         reason="shutdown")
    assert argvs(job) == [
        ("/bin/true", "s", "VI_1", "INIT", "BACKUP", "100"),
        ("/bin/true", "n", "VI_1", "INIT", "BACKUP", "100"),
    ]


def test_keepalived_convention_global_notify_gets_keepalived_words_too():
    cfg, global_cfg = configs(
        'notify_convention = "keepalived"', 'notify = ["/bin/true", "g"]'
    )
    job = transition_job(cfg, global_cfg, new="BACKUP", old="INIT", priority=7, reason="r")
    assert argvs(job)[-1] == ("/bin/true", "g", "INSTANCE", "VI_1", "BACKUP", "7")


def test_fifo_line_is_keepalived_format():
    cfg, global_cfg = configs(global_keys='notify_fifo = "/tmp/vrrpd-test.fifo"')
    job = transition_job(cfg, global_cfg, new="MASTER", old="BACKUP", priority=100, reason="r")
    assert job.fifo_lines == (("/tmp/vrrpd-test.fifo", 'INSTANCE "VI_1" MASTER 100\n'),)
    stop = transition_job(cfg, global_cfg, new="INIT", old="MASTER", priority=100,
                          reason="shutdown")
    assert stop.fifo_lines == (("/tmp/vrrpd-test.fifo", 'INSTANCE "VI_1" STOP 100\n'),)
    other_init = transition_job(cfg, global_cfg, new="INIT", old="MASTER", priority=1,
                                reason="reload")
    assert other_init.fifo_lines == ()


def test_rx_lower_pri_hook_and_fifo_line():
    cfg, global_cfg = configs('notify_convention = "keepalived"',
                              'notify_fifo = "/tmp/vrrpd-test.fifo"')
    job = rx_lower_job(cfg, global_cfg, priority=200, reason="r")
    assert argvs(job) == [("/bin/true", "rx")]
    line = 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 200\n'
    assert job.fifo_lines == (("/tmp/vrrpd-test.fifo", line),)
    cfg, global_cfg = configs()
    assert argvs(rx_lower_job(cfg, global_cfg, priority=200, reason="r")) == [
        ("/bin/true", "rx", "VI_1", "MASTER_RX_LOWER_PRI", "MASTER", "200")
    ]


def test_group_keepalived_convention():
    config = parse_config(
        f"{BASE}\n[instances.VI_2]\ninterface = \"eth0\"\nvirtual_router_id = 52\n"
        'virtual_ipaddress = ["192.0.2.101/24"]\n'
        '[sync_groups.G]\ninstances = ["VI_1", "VI_2"]\nnotify = ["/bin/true", "gn"]\n'
        'notify_master = ["/bin/true", "gm"]\nnotify_convention = "keepalived"\n',
        "t.toml",
    )
    job = group_job(config.sync_groups[0], new="MASTER", old="BACKUP", reason="r")
    assert argvs(job) == [("/bin/true", "gm"), ("/bin/true", "gn", "GROUP", "G", "MASTER", "0")]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ('[global]\nnotify_convention = "kad"', "global.notify_convention: must be 'vrrpd' or"),
        ('[global]\nnotify_fifo = "relative"', "global.notify_fifo: 'relative' must be an abs"),
        ('[global]\nnotify_fifo = "/etc/passwd"', "exists and is not a FIFO"),
        ('[global]\nnotify_fifo = "/nonexistent-dir/f"', "directory /nonexistent-dir does not"),
    ],
)
def test_bad_settings_are_config_errors(keys, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        parse_config(f"{keys}\n{BASE}", "t.toml")
