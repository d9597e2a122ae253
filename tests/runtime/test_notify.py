"""Which hooks a transition runs, in which order, with which arguments and environment."""

from __future__ import annotations

from vrrpd.config import parse_config
from vrrpd.runtime.notify import transition_job

BASE = """
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
virtual_ipaddress = ["192.0.2.100/24"]
"""


def configs(instance_keys: str = "", global_keys: str = ""):
    config = parse_config(f"[global]\n{global_keys}\n{BASE}{instance_keys}", "test.toml")
    return config.instances[0], config.global_


def job_for(new: str, old: str = "BACKUP", instance_keys: str = "", global_keys: str = ""):
    cfg, global_cfg = configs(instance_keys, global_keys)
    return transition_job(cfg, global_cfg, new=new, old=old, priority=150, reason="why")


def test_state_hook_then_instance_notify_then_global_notify():
    job = job_for(
        "MASTER",
        instance_keys='notify_master = ["/bin/true", "m"]\nnotify = ["/bin/true", "i"]\n'
        'notify_backup = ["/bin/false"]\nnotify_timeout = 3',
        global_keys='notify = ["/bin/true", "g"]\nnotify_timeout = 7',
    )
    assert [(c.argv, c.timeout, c.key) for c in job.commands] == [
        (("/bin/true", "m"), 3.0, "instances.VI_1.notify_master"),
        (("/bin/true", "i"), 3.0, "instances.VI_1.notify"),
        (("/bin/true", "g"), 7.0, "global.notify"),
    ]


def test_arguments_and_environment():
    job = job_for("FAULT", old="MASTER", instance_keys='notify = ["/bin/true"]')
    assert job.args == ("VI_1", "FAULT", "MASTER", "150")
    assert dict(job.env) == {
        "VRRPD_INSTANCE": "VI_1",
        "VRRPD_STATE": "FAULT",
        "VRRPD_OLD_STATE": "MASTER",
        "VRRPD_PRIORITY": "150",
        "VRRPD_REASON": "why",
    }


def test_each_state_runs_its_own_hook():
    keys = (
        'notify_master = ["/bin/true", "m"]\nnotify_backup = ["/bin/true", "b"]\n'
        'notify_fault = ["/bin/true", "f"]'
    )
    picked = {
        state: [c.argv[1] for c in job_for(state, instance_keys=keys).commands]
        for state in ("MASTER", "BACKUP", "FAULT", "INIT")
    }
    assert picked == {"MASTER": ["m"], "BACKUP": ["b"], "FAULT": ["f"], "INIT": []}


def test_init_runs_only_the_generic_hooks():
    job = job_for("INIT", old="MASTER", instance_keys='notify = ["/bin/true"]')
    assert [c.key for c in job.commands] == ["instances.VI_1.notify"]


def test_no_hooks_configured_is_an_empty_job():
    assert job_for("MASTER").commands == ()
    cfg, _ = configs()
    assert (
        transition_job(cfg, None, new="MASTER", old="BACKUP", priority=1, reason="").commands == ()
    )
