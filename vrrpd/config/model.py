"""The validated configuration a daemon consumes: frozen, typed, compared by value.

Two equal InstanceConfig objects mean "same settings": SIGHUP reload keeps the instances
whose config compares equal and restarts the others.  Everything derived (address family,
the interval in packet units) is a property, so it can never disagree with the fields.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface

import msgspec

IPAddress = IPv4Address | IPv6Address
IPInterface = IPv4Interface | IPv6Interface


class _Frozen(msgspec.Struct, frozen=True, kw_only=True):
    """Immutable, hashable, equal when all fields are equal."""


class GlobalConfig(_Frozen):
    router_id: str
    control_socket: str
    log_level: str  # "debug" | "info" | "warning" | "error"


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


class VirtualIp(_Frozen):
    """One virtual address with its prefix length, and its IPv4 label (`eth0:1`) if any."""

    interface: IPInterface
    label: str | None

    @property
    def address(self) -> IPAddress:
        return self.interface.ip


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
    vips: tuple[VirtualIp, ...]  # non-empty, one family
    unicast_src_ip: IPAddress | None  # None = multicast
    unicast_peer: tuple[IPAddress, ...]
    auth_type: int  # RFC 3768 numbers: AUTH_NONE (0) or AUTH_PASS (1), v2 only
    auth_password: bytes  # b"" unless auth_type is AUTH_PASS
    garp_master_delay: float  # second GARP burst this long after becoming master; 0 = none
    garp_master_repeat: int  # frames per burst
    garp_interval: float  # seconds between the frames of a burst
    garp_master_refresh: float  # re-announce every so often while master; 0 = never
    checksum_pseudo_header: bool  # v3 over IPv4: send the RFC 5798 checksum (else RFC 9568)

    @property
    def family(self) -> int:
        """4 or 6, the family of the virtual addresses (and of the adverts)."""
        return self.vips[0].interface.version

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

    def instance(self, name: str) -> InstanceConfig:
        """The instance called `name`; KeyError if there is none."""
        for instance in self.instances:
            if instance.name == name:
                return instance
        raise KeyError(name)
