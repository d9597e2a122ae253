"""The validated configuration a daemon consumes: frozen, typed, compared by value.

Two equal InstanceConfig objects mean "same settings": SIGHUP reload keeps the instances
whose config compares equal and restarts the others.  Everything derived (address family,
the interval in packet units) is a property, so it can never disagree with the fields.
"""

from __future__ import annotations

from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)

import msgspec

from vrrpd.config.errors import ConfigWarning

IPAddress = IPv4Address | IPv6Address
IPInterface = IPv4Interface | IPv6Interface
IPNetwork = IPv4Network | IPv6Network


class _Frozen(msgspec.Struct, frozen=True, kw_only=True):
    """Immutable, hashable, equal when all fields are equal."""


class GlobalConfig(_Frozen):
    router_id: str
    control_socket: str
    log_level: str  # "debug" | "info" | "warning" | "error"
    notify: tuple[str, ...] = ()  # program + arguments run on every transition; () = none
    notify_timeout: float = 10.0
    notify_convention: str = "vrrpd"  # "vrrpd" | "keepalived" (vrrpd.runtime.notify)
    notify_fifo: str | None = None  # absolute path of keepalived-style notify FIFO
    startup_delay: float = 0.0  # seconds after start during which instances stay BACKUP
    track_process_interval: float = 1.0  # seconds between /proc scans for track_processes
    realtime_priority: int = 0  # SCHED_RR 1..99 (vrrpd.runtime.realtime); 0 = off


class MqttConfig(_Frozen):
    host: str
    port: int
    topic_prefix: str
    username: str | None
    password: str | None
    tls: bool
    ca_file: str | None
    client_id: str | None
    keepalive: int
    discovery: bool = False
    discovery_prefix: str = "homeassistant"


class LogConfig(_Frozen):
    journald: bool | None = None  # None: auto (stderr is the journal stream)


class HttpListen(_Frozen):
    """Where the metrics endpoint listens; host None = every address."""

    host: str | None
    port: int


class MetricsConfig(_Frozen):
    listen: HttpListen | None  # None: no HTTP endpoint
    textfile: str | None  # None: no node_exporter textfile
    textfile_interval: float  # seconds between rewrites (also rewritten on every transition)


class VirtualIp(_Frozen):
    """One virtual address with its prefix length, its IPv4 label (`eth0:1`) if any, and the
    interface it goes on when that is not the instance's (`dev`, None = the instance's)."""

    interface: IPInterface
    label: str | None
    dev: str | None = None  # None: the instance's interface; "lo": on no LAN (announce)

    @property
    def address(self) -> IPAddress:
        return self.interface.ip


class Nexthop(_Frozen):
    """One path of a multipath route."""

    via: IPAddress | None
    dev: str | None
    weight: int  # 1..256


class VirtualRoute(_Frozen):
    """A route installed while the instance is master (after its VIPs exist)."""

    dst: IPNetwork  # 0.0.0.0/0 or ::/0 for "default"
    via: IPAddress | None
    dev: str | None  # checked for spelling only: existence is a run-time matter
    src: IPAddress | None  # always one of the instance's VIPs
    metric: int | None  # None: the kernel default (0 IPv4, 1024 IPv6)
    table: int | None  # None: main; names are resolved to numbers
    scope: int | None  # None: link for IPv4 routes without a gateway, else universe
    nexthops: tuple[Nexthop, ...]  # multipath; then via and dev are None

    @property
    def family(self) -> int:
        return self.dst.version


class VirtualRule(_Frozen):
    """A policy rule `from SRC to DST lookup TABLE` installed while master."""

    family: int  # 4 or 6
    src: IPNetwork | None  # `from`; None = any
    dst: IPNetwork | None  # `to`; None = any (at least one of src/dst is set)
    table: int
    priority: int | None  # None: the kernel picks one


class Announce(_Frozen):
    """`announce`: while master each VIP is a host route (/32, /128) in `table`, with
    protocol 18, for FRR or BIRD to announce; removed on leaving master."""

    table: int  # 1..2**32-2, never main, local or default


class TrackRef(_Frozen):
    """One tracked object of an instance, by name. `weight` None: for an interface, FAULT
    while it is down; for a script or file, the weight configured with it."""

    name: str
    weight: int | None = None
    reverse: bool | None = None  # interfaces and scripts: None = not reversed / the script's


class ScriptConfig(_Frozen):
    """`[scripts.NAME]`: a check program and how its results count (vrrpd.protocol.tracking)."""

    name: str
    command: tuple[str, ...]  # absolute program path, then arguments
    interval: float  # seconds from one run's start to the next
    timeout: float  # seconds before the run's process group is killed (counts as a failure)
    weight: int  # -253..253; 0 = FAULT while failing
    rise: int  # consecutive successes to count as up
    fall: int  # consecutive failures to count as down
    reverse: bool = False  # the weight's effect turned round (keepalived `weight W reverse`)


class TrackFileConfig(_Frozen):
    """`[track_files.NAME]`: a file holding one integer, multiplied by `weight`."""

    name: str
    file: str  # absolute path; missing or unreadable counts as 0
    weight: int  # -254..254; 0 = FAULT while the value is not 0


class TrackProcessConfig(_Frozen):
    """`[track_processes.NAME]`: a count of matching processes and the quorum it must meet
    (matching in vrrpd.protocol.process_match)."""

    name: str
    process: tuple[str, ...]  # name (comm) or argv[0], then the parameters to match
    param_match: str  # "none" (argv[0]/comm only), "exact", "partial" or "initial"
    full_command: bool  # match argv[0] of the command line instead of comm
    weight: int  # -254..254; 0 = FAULT while the quorum is not held
    reverse: bool  # the weight's effect negated (weight 0: FAULT while it is held)
    quorum: int  # fewest matching processes
    quorum_max: int | None  # most matching processes; None = no limit
    fork_delay: float  # seconds a regained quorum must last before it counts
    terminate_delay: float  # seconds a lost quorum must last before it counts


class SyncGroupConfig(_Frozen):
    """`[sync_groups.NAME]`: instances that are MASTER, BACKUP or FAULT together."""

    name: str
    instances: tuple[str, ...]  # at least two, each in no other group
    notify: tuple[str, ...] = ()
    notify_master: tuple[str, ...] = ()
    notify_backup: tuple[str, ...] = ()
    notify_fault: tuple[str, ...] = ()
    notify_stop: tuple[str, ...] = ()
    notify_timeout: float = 10.0
    notify_convention: str | None = None  # "keepalived": as keepalived calls group hooks


class InstanceConfig(_Frozen):
    """One VRRP instance, as configured (times in seconds, addresses parsed)."""

    name: str
    interface: str
    virtual_router_id: int
    priority: int  # 1..255; 255 = address owner
    advert_int: float
    version: int  # 2 or 3
    preempt: bool
    preempt_delay: float
    vips: tuple[VirtualIp, ...]  # non-empty, one family; listed in adverts
    unicast_src_ip: IPAddress | None  # None = multicast
    unicast_peer: tuple[IPAddress, ...]
    auth_type: int  # RFC 3768 numbers: AUTH_NONE (0) or AUTH_PASS (1), v2 only
    auth_password: bytes  # b"" unless auth_type is AUTH_PASS
    garp_master_delay: float  # second GARP burst this long after becoming master; 0 = none
    garp_master_repeat: int  # frames per burst
    garp_interval: float  # seconds between the frames of a burst
    garp_master_refresh: float  # re-announce every so often while master; 0 = never
    checksum_pseudo_header: bool  # v3 over IPv4: send the RFC 5798 checksum (else RFC 9568)
    unicast_ttl: int = 255  # TTL / hop limit of unicast adverts; multicast always sends 255
    unicast_min_ttl: int = 255  # lowest TTL accepted from a unicast peer (255: on-link only)
    announce: Announce | None = None
    virtual_routes: tuple[VirtualRoute, ...] = ()
    virtual_rules: tuple[VirtualRule, ...] = ()
    fallback_routes: bool = False  # also keep the src routes with the primary source
    fallback_metric: int = 100  # metric of those fallbacks (larger than the VIP routes')
    notify: tuple[str, ...] = ()  # hooks: program + arguments; () = none
    notify_master: tuple[str, ...] = ()
    notify_backup: tuple[str, ...] = ()
    notify_fault: tuple[str, ...] = ()
    notify_stop: tuple[str, ...] = ()
    notify_master_rx_lower_pri: tuple[str, ...] = ()
    notify_timeout: float = 10.0
    notify_convention: str | None = None  # None: global.notify_convention
    # intervals of split-brain evidence (vrrpd.protocol.split_brain); 0 = off
    split_brain_after: int = 3
    track_interface: tuple[TrackRef, ...] = ()  # vrrpd.protocol.tracking: link state counts
    track_script: tuple[TrackRef, ...] = ()
    track_file: tuple[TrackRef, ...] = ()
    dont_track_primary: bool = False  # own interface down is not a FAULT condition
    mcast_src_ip: IPAddress | None = None  # multicast adverts' source; None = the primary
    # added and removed with `vips` but not advertised (any family)
    vips_excluded: tuple[VirtualIp, ...] = ()
    track_process: tuple[TrackRef, ...] = ()
    vmac: str | None = None  # name of the macvlan with the virtual MAC; None = no VMAC
    vmac_xmit_base: bool = False  # adverts on `interface` itself, not on the macvlan

    @property
    def virtual_mac(self) -> str:
        """The RFC 5798 §7.3 virtual MAC: 00:00:5e:00:01:VRID (IPv6 ...:02:VRID)."""
        kind = 1 if self.family == 4 else 2
        return f"00:00:5e:00:{kind:02x}:{self.virtual_router_id:02x}"

    @property
    def family(self) -> int:
        """4 or 6, the family of the virtual addresses (and of the adverts)."""
        return self.vips[0].interface.version

    @property
    def managed_vips(self) -> tuple[VirtualIp, ...]:
        """Every address the instance holds while master: the advertised ones, then the
        excluded ones."""
        return self.vips + self.vips_excluded

    @property
    def vip_devs(self) -> frozenset[str]:
        """The interfaces other than the instance's that addresses go on."""
        return frozenset(vip.dev for vip in self.managed_vips if vip.dev is not None)

    @property
    def vip_addresses(self) -> tuple[IPAddress, ...]:
        """The addresses an advert lists, in config order."""
        return tuple(vip.address for vip in self.vips)

    @property
    def unicast(self) -> bool:
        """True when adverts go to `unicast_peer` instead of the multicast group."""
        return self.unicast_src_ip is not None

    @property
    def advert_int_wire(self) -> int:
        """The interval as an advert carries it: centiseconds (v3) or seconds (v2)."""
        return round(self.advert_int * 100) if self.version == 3 else round(self.advert_int)

    @property
    def is_owner(self) -> bool:
        """Priority 255: the address owner, which becomes master at once (RFC 5798 §6.4.1)."""
        return self.priority == 255


class Config(_Frozen):
    """A whole validated config file."""

    global_: GlobalConfig
    mqtt: MqttConfig | None  # None: no [mqtt] section, no MQTT
    instances: tuple[InstanceConfig, ...]  # in file order
    metrics: MetricsConfig | None = None  # None: no [metrics] section, no metrics
    scripts: tuple[ScriptConfig, ...] = ()  # in file order
    track_files: tuple[TrackFileConfig, ...] = ()
    track_processes: tuple[TrackProcessConfig, ...] = ()
    sync_groups: tuple[SyncGroupConfig, ...] = ()
    log: LogConfig = LogConfig()
    # valid but probably unintended settings (vrrpd.config.advice); never a reason to reject
    warnings: tuple[ConfigWarning, ...] = ()

    def instance(self, name: str) -> InstanceConfig:
        """The instance called `name`; KeyError if there is none."""
        for instance in self.instances:
            if instance.name == name:
                return instance
        raise KeyError(name)

    def sync_group_of(self, instance: str) -> SyncGroupConfig | None:
        """The sync group `instance` belongs to, if any (an instance is in one at most)."""
        return next((g for g in self.sync_groups if instance in g.instances), None)
