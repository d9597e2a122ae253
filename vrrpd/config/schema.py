"""The shape of the TOML file: which keys exist, their types and their defaults.

These msgspec Structs hold what the user wrote, still as strings and plain numbers; the
semantic checks in `instance.py` and `sections.py` turn them into the typed objects of
`model.py`.  Defaults live here and nowhere else.  To add a key, add a field here (the
structural decoder picks it up: unknown-key hints, type checks, missing-key reports), then
check it and carry it into the model.  A new top-level section also gets a line in
`loader.SECTIONS`.

Every field is followed by its docstring (what it means, its range, its unit): the man page
vrrpd.toml(5), the key table of conf/README.md and the JSON Schema are generated from them
(`vrrpd.docs`), and a test fails when a field has none.
"""

import socket

import msgspec

DEFAULT_CONTROL_SOCKET = "/run/vrrpd/vrrpd.sock"


class _Table(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base for every TOML table: immutable, unknown keys are errors, keyword-only."""


class RawGlobal(_Table):
    """`[global]`: settings of the whole daemon (optional section)."""

    router_id: str = msgspec.field(default_factory=socket.gethostname)
    """Name of this node in MQTT topics, metrics and logs: non-empty, no spaces, '/', '+'
    or '#'."""
    control_socket: str = DEFAULT_CONTROL_SOCKET
    """Path of the Unix socket `vrrpd status` talks to: absolute, not a directory, at most 107
    bytes. `--socket` and VRRPD_SOCKET override it."""
    log_level: str = "info"
    """`debug`, `info`, `warning` or `error`; `vrrpd run --log-level` overrides it."""
    notify: tuple[str, ...] = ()
    """Hook run on every transition of every instance, after the instances' own hooks:
    absolute program path and fixed arguments, no shell."""
    notify_timeout: float = 10.0
    """Seconds (more than 0, at most 3600) before the global hook's process group is
    killed."""
    notify_convention: str = "vrrpd"
    """What hooks are told: `vrrpd` appends `INSTANCE NEW OLD PRIORITY` to every hook;
    `keepalived` calls them as keepalived does (`notify` gets `INSTANCE NAME STATE
    PRIORITY`, the state hooks only their own arguments)."""
    notify_fifo: str | None = None
    """Absolute path of a FIFO that gets keepalived's notify lines (`INSTANCE "VI_1" MASTER
    100`, `GROUP "G1" MASTER 0`); created if missing, never blocks (a line is dropped when
    nobody reads)."""
    startup_delay: float = 0.0
    """Seconds (0..3600) after start during which no instance takes over: instances stay
    BACKUP and follow any master they hear."""
    track_process_interval: float = 1.0
    """Seconds (0.1..60) between two scans of /proc for `[track_processes.NAME]`: how late
    a process that started or ended is noticed at most (before its delays)."""
    realtime_priority: int = 0
    """0 (normal scheduling) or a SCHED_RR priority 1..99 for the daemon, so adverts leave on
    time on a busy host (keepalived's vrrp_rt_priority). Hooks and scripts start at normal
    priority. Read at start; under systemd set CPUSchedulingPolicy=rr in the unit instead."""


class RawLog(_Table):
    """`[log]`: where log records go (optional section)."""

    journald: bool | None = None
    """true: native journald fields (VRRP_INSTANCE, VRRP_STATE, ...); false: plain lines on
    stderr; absent: journald when stderr is the journal stream systemd handed us."""


class RawMqtt(_Table):
    """`[mqtt]`: publish state and events to an MQTT broker (optional; absent = no MQTT)."""

    host: str
    """Broker host name or address."""
    port: int = 1883
    """Broker TCP port, 1..65535."""
    topic_prefix: str = "vrrpd"
    """First topic level(s), like `vrrpd` or `site/vrrpd`: not empty, no '+' or '#', no '/'
    at either end, not starting with '$'."""
    username: str | None = None
    """User name for the broker; absent = anonymous."""
    password: str | None = None
    """Password for the broker; needs `username`."""
    tls: bool = False
    """Connect with TLS."""
    ca_file: str | None = None
    """CA bundle that verifies the broker's certificate (needs `tls = true`); absent = the
    system's CAs."""
    client_id: str | None = None
    """MQTT client id (not empty); absent = the client library picks one."""
    keepalive: int = 30
    """MQTT keepalive in seconds, 1..65535."""
    discovery: bool = False
    """Announce every instance to Home Assistant by MQTT discovery: a device per router, a
    state sensor and a master binary sensor per instance."""
    discovery_prefix: str = "homeassistant"
    """Topic prefix Home Assistant reads discovery configs under (same rules as
    `topic_prefix`)."""


class RawMetrics(_Table):
    """`[metrics]`: Prometheus metrics over HTTP (`listen`), as a node_exporter textfile
    (`textfile`), or both (optional section; at least one of the two when present)."""

    listen: str | None = None
    """Serve /metrics over HTTP on `ADDRESS:PORT`, `[IPV6]:PORT`, `:PORT` (every address) or
    an address alone (port 10112); address literals only, port 1..65535."""
    textfile: str | None = None
    """Absolute path of a `.prom` file rewritten atomically for node_exporter's textfile
    collector (under systemd its directory must be in ReadWritePaths=)."""
    textfile_interval: float = 15.0
    """Seconds between two rewrites of `textfile`, 1..3600."""


class RawVip(_Table):
    """The table form of a virtual address, `{address = "ADDR/PLEN", label = "eth0:1",
    dev = "eth1"}`."""

    address: str
    """The virtual address with its prefix length, like `192.0.2.100/24`."""
    label: str | None = None
    """IPv4 address label, `IFNAME:something` (at most 15 bytes, no '/' or spaces), as
    `ip addr add ... label` sets it; IPv6 addresses have none."""
    dev: str | None = None
    """Interface the address goes on (keepalived's `dev`); absent = the instance's
    interface. It must exist when the instance starts; its GARP/NA goes out there too (none
    on `lo`, which has no link layer). With `announce`, a VIP on `lo` is a VIP on no LAN: a
    host address (/32, /128) reached through the route announce publishes."""


class RawNexthop(_Table):
    """One path of a multipath route: `{via = "GW", dev = "eth1", weight = 2}`."""

    via: str | None = None
    """Gateway address of this path."""
    dev: str | None = None
    """Outgoing interface of this path."""
    weight: int = 1
    """Relative share of the traffic, 1..256."""


class RawRoute(_Table):
    """A `virtual_routes` entry, installed while master: `ip route add DST via GW dev DEV
    src VIP metric N table T scope S` or with `nexthops` for a multipath route."""

    dst: str
    """Destination network, or `default`."""
    via: str | None = None
    """Gateway address."""
    dev: str | None = None
    """Outgoing interface (only its spelling is checked; whether it exists is a run-time
    matter)."""
    src: str | None = None
    """Preferred source address; must be one of the instance's virtual addresses."""
    metric: int | None = None
    """Route metric 0..2^32-1; absent = the kernel's (0 for IPv4, 1024 for IPv6)."""
    table: int | str | None = None
    """Routing table: number 1..2^32-2 or a name from rt_tables; absent = `main`."""
    scope: str | None = None
    """`global`, `site`, `link` or `host`; absent = `link` for an IPv4 route without
    gateway, else `global`."""
    nexthops: tuple[RawNexthop, ...] = ()
    """Paths of a multipath route, instead of `via`/`dev`."""


class RawRule(_Table):
    """A `virtual_rules` entry, installed while master: `ip rule add from NET to NET
    lookup TABLE priority N`."""

    table: int | str
    """Table to look up: number 1..2^32-2 or a name from rt_tables."""
    from_: str | None = msgspec.field(default=None, name="from")
    """Source network to match (`from` or `to` is required)."""
    to: str | None = None
    """Destination network to match."""
    priority: int | None = None
    """Rule priority 1..2^32-1; absent = the kernel picks one."""


class RawAnnounce(_Table):
    """`announce = { table = 100 }`: while master, each VIP as a host route in that table,
    for a routing daemon (FRR, BIRD) to pick up and announce."""

    table: int | str
    """Table number 1..2^32-2 or a name from rt_tables; never main, local or default."""


class RawAuthentication(_Table):
    """VRRPv2 authentication (RFC 3768), `{ type = "PASS", password = "secret12" }`."""

    type: str
    """`PASS` (simple password, VRRPv2 only) or `NONE`."""
    password: str | None = None
    """The PASS password, 1 to 8 bytes (required for `PASS`; sent in clear text)."""


class RawTrackRef(_Table):
    """The table form of a `track_interface` / `track_script` / `track_file` entry:
    `{ name = "chk_nginx", weight = -30 }` (weight absent: the string form's meaning)."""

    name: str
    """The interface, `[scripts.NAME]`, `[track_files.NAME]` or `[track_processes.NAME]`
    tracked."""
    weight: int | None = None
    """Override of the weight: interfaces and scripts -253..253, files and processes
    -254..254; 0 makes it a FAULT condition."""
    reverse: bool | None = None
    """Interfaces, scripts and processes (keepalived's `weight W reverse`): the weight counts in
    the same state with the opposite sign, and weight 0 is a FAULT while the object is up;
    absent = false for an interface, the script's or process's own `reverse`."""


class RawInstance(_Table):
    """`[instances.NAME]`: one VRRP instance (NAME: 1 to 64 letters, digits, '_', '-', '.',
    not starting with '-' or '.')."""

    interface: str
    """Interface the instance sends adverts on and adds its virtual addresses to."""
    virtual_router_id: int
    """VRID 1..255; unique per interface and address family."""
    virtual_ipaddress: tuple[str | RawVip, ...]
    """Virtual addresses, `ADDR/PLEN` strings or `{ address, label, dev }` tables; one
    address family per instance (at least one, at most 255: what an advert carries)."""
    virtual_ipaddress_excluded: tuple[str | RawVip, ...] = ()
    """Addresses added and removed with the virtual addresses but not listed in adverts
    (keepalived's virtual_ipaddress_excluded): for long address lists, or the other
    address family; same forms as virtual_ipaddress."""
    priority: int = 100
    """1..255; the highest becomes master, 255 = address owner."""
    advert_int: float = 1.0
    """Seconds between adverts: VRRPv3 a multiple of 0.01 in 0.01..40.95; VRRPv2 whole
    seconds 1..255."""
    version: int = 3
    """VRRP version: 3 (RFC 5798, IPv4 and IPv6) or 2 (RFC 3768, IPv4 only)."""
    preempt: bool = True
    """A higher-priority backup takes over from a lower-priority master."""
    preempt_delay: float = 0.0
    """Seconds (0..3600) a backup waits before preempting."""
    unicast_src_ip: str | None = None
    """Source address of unicast adverts; with `unicast_peer`, adverts are unicast and
    only peers' adverts are accepted."""
    unicast_peer: tuple[str, ...] = ()
    """Addresses of the peers to send unicast adverts to (needs `unicast_src_ip`)."""
    mcast_src_ip: str | None = None
    """Source address of multicast adverts (keepalived's mcast_src_ip); absent = the
    interface's primary address (IPv6: its link-local one). Must be an address of the
    interface when the instance starts; IPv6 needs a link-local address."""
    unicast_ttl: int | None = None
    """TTL / hop limit of unicast adverts, 1..255; absent = 255 (multicast always 255)."""
    unicast_min_ttl: int | None = None
    """Lowest TTL / hop limit accepted on a unicast advert, 1..255; absent = 255 (only
    on-link peers). A peer N routers away arrives with 255 - N."""
    announce: RawAnnounce | None = None
    """While master, each VIP as a host route in a table of its own for FRR or BIRD to
    announce: `{ table = N }` (see announce)."""
    authentication: RawAuthentication | None = None
    """VRRPv2 only: `{ type = "PASS", password = "..." }` (at most 8 bytes) or
    `{ type = "NONE" }`; absent = none."""
    garp_master_delay: float = 1.1
    """Seconds (0..3600) after becoming master before the second gratuitous ARP /
    unsolicited NA burst; 0 = no second burst."""
    garp_master_repeat: int = 3
    """Frames per burst, 1..100."""
    garp_interval: float = 0.0
    """Seconds (0..1) between the frames of a burst."""
    garp_master_refresh: float = 0.0
    """Seconds (0 = off, or 1..86400) between periodic bursts while master."""
    checksum_pseudo_header: bool = True
    """VRRPv3 over IPv4: include the IP pseudo-header in the checksum (RFC 5798); false for
    peers that leave it out."""
    virtual_routes: tuple[RawRoute, ...] = ()
    """Routes installed while master (see virtual_routes entries)."""
    virtual_rules: tuple[RawRule, ...] = ()
    """Policy rules installed while master (see virtual_rules entries)."""
    fallback_routes: bool = False
    """Keep every `src` virtual route also with the primary address and `fallback_metric`
    while not master."""
    fallback_metric: int = 100
    """Metric of the fallback routes, 0..2^32-1; larger than every `src` route's metric."""
    notify: tuple[str, ...] = ()
    """Hook run on every transition: absolute program path and fixed arguments, no shell;
    `INSTANCE NEW OLD PRIORITY` appended."""
    notify_master: tuple[str, ...] = ()
    """Hook run on entering MASTER (before `notify`)."""
    notify_backup: tuple[str, ...] = ()
    """Hook run on entering BACKUP (before `notify`)."""
    notify_fault: tuple[str, ...] = ()
    """Hook run on entering FAULT (before `notify`)."""
    notify_stop: tuple[str, ...] = ()
    """Hook run when the instance stops cleanly (before `notify`)."""
    notify_master_rx_lower_pri: tuple[str, ...] = ()
    """Hook run when the master hears an advert it outranks (at most once per interval)."""
    notify_timeout: float = 10.0
    """Seconds (more than 0, at most 3600) before a hook's process group is killed."""
    notify_convention: str | None = None
    """`vrrpd` or `keepalived` (see global.notify_convention); absent = the global one."""
    split_brain_after: int = 3
    """Advert intervals of evidence (0 = off, or 1..100) before a split-brain episode is
    reported."""
    use_vmac: bool | str = False
    """Put the virtual addresses on a macvlan (mode private) with the RFC virtual MAC
    00:00:5e:00:01:VRID (IPv6 00:00:5e:00:02:VRID), made on `interface` while the instance
    runs: `true` names it `vrrp.VRID` (IPv6 `vrrp6.VRID`), a string names it (at most 15
    bytes). Adverts and gratuitous ARP / NA then come from the virtual MAC."""
    vmac_xmit_base: bool = False
    """With `use_vmac`: send and receive adverts on `interface` itself (its own MAC); only
    the addresses, ARP and NA use the macvlan. Both routers must agree on it."""
    track_interface: tuple[str | RawTrackRef, ...] = ()
    """Interfaces tracked: a name (down = FAULT) or `{ name, weight, reverse }`."""
    track_script: tuple[str | RawTrackRef, ...] = ()
    """`[scripts.NAME]` tracked: a name (the script's weight) or `{ name, weight,
    reverse }`."""
    track_file: tuple[str | RawTrackRef, ...] = ()
    """`[track_files.NAME]` tracked: a name (the file's weight) or `{ name, weight }`."""
    dont_track_primary: bool = False
    """keepalived's dont_track_primary: the instance's own interface going down is not a
    FAULT condition (the instance keeps its state; a removed interface still is one)."""
    track_process: tuple[str | RawTrackRef, ...] = ()
    """`[track_processes.NAME]` tracked: a name (its weight) or `{ name, weight }`
    (weight -254..254)."""


class RawScript(_Table):
    """`[scripts.NAME]`, keepalived's vrrp_script: a check run every `interval` seconds."""

    command: tuple[str, ...]
    """Program (absolute path) and arguments, run without a shell; exit 0 passes."""
    interval: float = 1.0
    """Seconds between the starts of two runs, 0.1..3600."""
    timeout: float | None = None
    """Seconds (more than 0, at most 3600) before a run is killed and counts as failed;
    absent = the interval."""
    weight: int = 0
    """-253..253: negative is added while failing, positive while passing; 0 = FAULT while
    failing."""
    reverse: bool = False
    """Turn the weight's effect round (keepalived's `weight W reverse`): a positive weight
    is subtracted while passing, a negative one added while failing; with weight 0 the
    instance is in FAULT while the script passes."""
    rise: int = 1
    """Passing runs in a row that make a failing script pass, 1..1000."""
    fall: int = 1
    """Failing runs in a row that make a passing script fail, 1..1000."""


class RawTrackFile(_Table):
    """`[track_files.NAME]`, keepalived's track_file: a file holding one integer."""

    file: str
    """Absolute path of the file, read every second; missing or unreadable counts as 0."""
    weight: int = 1
    """-254..254: value x weight is added to the priority; 0 = FAULT while the value is
    not 0."""


class RawTrackProcess(_Table):
    """`[track_processes.NAME]`, keepalived's vrrp_track_process: how many processes of a
    name or command line run."""

    process: tuple[str, ...]
    """Process name as in /proc/PID/comm (at most 15 bytes), or a program (argv[0]) followed
    by its parameters, which then must match too (see `param_match`)."""
    param_match: str | None = None
    """How parameters match: `exact` (the same list), `partial` (the listed ones first,
    more may follow) or `initial` (like partial, the last listed one may be longer); set
    without parameters, `exact` means "no parameters". Absent = `exact` when parameters are
    given, else none checked."""
    full_command: bool = False
    """Match `process` against argv[0] of /proc/PID/cmdline instead of the process name
    (implied by parameters or `param_match`)."""
    weight: int = 0
    """-254..254: positive is added while the quorum holds, negative while it does not;
    0 = FAULT while it does not."""
    reverse: bool = False
    """Invert the weight's meaning: its effect is subtracted instead (weight 0: FAULT while
    the quorum holds)."""
    quorum: int | None = None
    """Fewest matching processes for the quorum, 1..65535; absent = 1 (0 when
    `quorum_max = 0`)."""
    quorum_max: int | None = None
    """Most matching processes for the quorum, 0..65535 (0: holds while none runs); absent
    = no limit."""
    delay: float | None = None
    """Seconds (0..3600) for both `fork_delay` and `terminate_delay` (each one set wins)."""
    fork_delay: float | None = None
    """Seconds (0..3600) the quorum must be back before it counts as held; absent = `delay`
    or 0."""
    terminate_delay: float | None = None
    """Seconds (0..3600) the quorum must be lost before it counts as lost; absent = `delay`
    or 0."""


class RawSyncGroup(_Table):
    """`[sync_groups.NAME]`, keepalived's vrrp_sync_group: instances that share one state."""

    instances: tuple[str, ...]
    """At least two instance names; an instance is in one group at most."""
    notify: tuple[str, ...] = ()
    """Hook run on every group transition; `GROUP NEW OLD` appended."""
    notify_master: tuple[str, ...] = ()
    """Hook run when the group enters MASTER."""
    notify_backup: tuple[str, ...] = ()
    """Hook run when the group enters BACKUP."""
    notify_fault: tuple[str, ...] = ()
    """Hook run when the group enters FAULT."""
    notify_stop: tuple[str, ...] = ()
    """Hook run once when the daemon stops cleanly (the group's last state was not INIT)."""
    notify_timeout: float = 10.0
    """Seconds (more than 0, at most 3600) before a group hook's process group is killed."""
    notify_convention: str | None = None
    """`keepalived`: state hooks get only their own arguments, `notify` gets `GROUP NAME
    STATE 0`; absent or `vrrpd`: `GROUP NEW OLD` appended."""
