"""netns-lab: throwaway network-namespace labs for testing and benchmarking VRRP speakers.

Stdlib only (plus the ip, nft, sysctl and tcpdump commands); importing it is cheap.
"""

from .capture import VRRP_FILTER, Capture, Frame, read_pcap
from .daemons import start_keepalived, start_vrrpd
from .errors import CommandError, LabError, LabTimeout
from .host import Host, Netns
from .keepalived import (
    KEEPALIVED,
    keepalived_conf,
    keepalived_global_defs,
    keepalived_instance,
    state_pattern,
)
from .lab import Lab
from .plan import CLIENT, SUBNET4, SUBNET6, VIPS4, VIPS6, LabPlan, make_plan, new_prefix
from .probe import Prober, ProbeRecord, ProbeResult, analyse
from .processes import LabProcess, wait_for_log
from .sweep import sweep
from .topology import bonding_available
from .waiting import wait_until

__all__ = [
    "CLIENT",
    "KEEPALIVED",
    "SUBNET4",
    "SUBNET6",
    "VIPS4",
    "VIPS6",
    "VRRP_FILTER",
    "Capture",
    "CommandError",
    "Frame",
    "Host",
    "Lab",
    "LabError",
    "LabPlan",
    "LabProcess",
    "LabTimeout",
    "Netns",
    "ProbeRecord",
    "ProbeResult",
    "Prober",
    "analyse",
    "bonding_available",
    "keepalived_conf",
    "keepalived_global_defs",
    "keepalived_instance",
    "make_plan",
    "new_prefix",
    "read_pcap",
    "start_keepalived",
    "start_vrrpd",
    "state_pattern",
    "sweep",
    "wait_for_log",
    "wait_until",
]
