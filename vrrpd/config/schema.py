"""The shape of the TOML file: which keys exist, their types and their defaults.

These msgspec Structs hold what the user wrote, still as strings and plain numbers; the
semantic checks in `instance.py` and `sections.py` turn them into the typed objects of
`model.py`.  Defaults live here and nowhere else.  To add a key, add a field here (the
structural decoder picks it up: unknown-key hints, type checks, missing-key reports), then
check it and carry it into the model.  A new top-level section also gets a line in
`loader.SECTIONS`.
"""

import socket

import msgspec

DEFAULT_CONTROL_SOCKET = "/run/vrrpd/vrrpd.sock"


class _Table(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base for every TOML table: immutable, unknown keys are errors, keyword-only."""


class RawGlobal(_Table):
    router_id: str = msgspec.field(default_factory=socket.gethostname)
    control_socket: str = DEFAULT_CONTROL_SOCKET
    log_level: str = "info"
    notify: tuple[str, ...] = ()  # run on every transition of every instance
    notify_timeout: float = 10.0
    startup_delay: float = 0.0  # seconds after start during which no instance takes over


class RawMqtt(_Table):
    host: str
    port: int = 1883
    topic_prefix: str = "vrrpd"
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None
    client_id: str | None = None
    keepalive: int = 30


class RawMetrics(_Table):
    """`listen = "ADDR:PORT"` serves /metrics over HTTP; `textfile` feeds node_exporter."""

    listen: str | None = None
    textfile: str | None = None
    textfile_interval: float = 15.0


class RawVip(_Table):
    """The table form of a virtual address, `{address = "ADDR/PLEN", label = "eth0:1"}`."""

    address: str
    label: str | None = None


class RawNexthop(_Table):
    """One path of a multipath route: `{via = "GW", dev = "eth1", weight = 2}`."""

    via: str | None = None
    dev: str | None = None
    weight: int = 1


class RawRoute(_Table):
    """A `virtual_routes` entry, installed while master: `ip route add DST via GW dev DEV
    src VIP metric N table T scope S` or with `nexthops` for a multipath route."""

    dst: str  # a network, or "default"
    via: str | None = None
    dev: str | None = None
    src: str | None = None
    metric: int | None = None
    table: int | str | None = None
    scope: str | None = None
    nexthops: tuple[RawNexthop, ...] = ()


class RawRule(_Table):
    """A `virtual_rules` entry, installed while master: `ip rule add from NET to NET
    lookup TABLE priority N`."""

    table: int | str
    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    priority: int | None = None


class RawAuthentication(_Table):
    type: str
    password: str | None = None


class RawTrackRef(_Table):
    """The table form of a `track_interface` / `track_script` / `track_file` entry:
    `{ name = "chk_nginx", weight = -30 }` (weight absent: the string form's meaning)."""

    name: str
    weight: int | None = None


class RawInstance(_Table):
    interface: str
    virtual_router_id: int
    virtual_ipaddress: tuple[str | RawVip, ...]
    priority: int = 100
    advert_int: float = 1.0
    version: int = 3
    preempt: bool = True
    preempt_delay: float = 0.0
    unicast_src_ip: str | None = None
    unicast_peer: tuple[str, ...] = ()
    authentication: RawAuthentication | None = None
    garp_master_delay: float = 1.1
    garp_master_repeat: int = 3
    garp_interval: float = 0.0
    garp_master_refresh: float = 0.0
    checksum_pseudo_header: bool = True
    virtual_routes: tuple[RawRoute, ...] = ()
    virtual_rules: tuple[RawRule, ...] = ()
    fallback_routes: bool = False
    fallback_metric: int = 100
    notify: tuple[str, ...] = ()  # program and arguments, run on every transition
    notify_master: tuple[str, ...] = ()
    notify_backup: tuple[str, ...] = ()
    notify_fault: tuple[str, ...] = ()
    notify_timeout: float = 10.0
    split_brain_after: int = 3  # advert intervals of evidence before a split-brain event; 0 = off
    track_interface: tuple[str | RawTrackRef, ...] = ()  # vrrpd.config.tracking
    track_script: tuple[str | RawTrackRef, ...] = ()
    track_file: tuple[str | RawTrackRef, ...] = ()


class RawScript(_Table):
    """`[scripts.NAME]`, keepalived's vrrp_script: a check run every `interval` seconds."""

    command: tuple[str, ...]  # program (absolute path) and arguments; no shell
    interval: float = 1.0
    timeout: float | None = None  # None: the interval
    weight: int = 0  # 0: FAULT while failing
    rise: int = 1
    fall: int = 1


class RawTrackFile(_Table):
    """`[track_files.NAME]`, keepalived's track_file: a file holding one integer."""

    file: str
    weight: int = 1  # 0: FAULT while the value is not 0


class RawSyncGroup(_Table):
    """`[sync_groups.NAME]`, keepalived's vrrp_sync_group: instances that share one state."""

    instances: tuple[str, ...]
    notify: tuple[str, ...] = ()  # program and arguments; GROUP NEW OLD appended
    notify_master: tuple[str, ...] = ()
    notify_backup: tuple[str, ...] = ()
    notify_fault: tuple[str, ...] = ()
    notify_timeout: float = 10.0
