"""The words shared by events, actions, the codec and the shell: router states, timers and
drop reasons. One module, so `events` and `actions` need not import each other, and one
DropReason enum for every place an advertisement is rejected (codec, receive path, Router):
its values are the counter keys of `vrrpd status --json` and the metric label values."""

from __future__ import annotations

import enum


class State(enum.StrEnum):
    INIT = "INIT"
    BACKUP = "BACKUP"
    MASTER = "MASTER"
    FAULT = "FAULT"


class Timer(enum.StrEnum):
    """The timers a Router may ask the driver to run (RFC 5798 §6.2 plus preempt delay)."""

    ADVER = "adver"  # Adver_Timer: a master's next advertisement
    MASTER_DOWN = "master_down"  # Master_Down_Timer: a backup's patience
    PREEMPT = "preempt"  # preempt_delay before taking over from a lower-priority master


class DropReason(enum.StrEnum):
    """Why a received packet or a decoded advertisement was not acted on (counter keys)."""

    # the codec (vrrpd.protocol.packet.decode / check_auth)
    SHORT = "short"
    BAD_VERSION = "bad_version"
    BAD_TYPE = "bad_type"
    BAD_CHECKSUM = "bad_checksum"
    COUNT_MISMATCH = "count_mismatch"
    BAD_INTERVAL = "bad_interval"  # also the Router's: v3 Max Adver Int of 0
    AUTH_MISMATCH = "auth_mismatch"
    NO_ADDRESSES = "no_addresses"  # Count IPvX Addr 0: MUST be ignored (RFC 9568 §5.2.5)
    # the Router (vrrpd.protocol.router)
    INACTIVE = "inactive"  # the instance is in INIT or FAULT and takes no part
    VRID_MISMATCH = "vrid_mismatch"  # not our virtual router
    VERSION_MISMATCH = "version_mismatch"  # v2 advert to a v3 instance or the reverse
    OWN_ADDRESS = "own_address"  # our own advert looped back (source is our primary address)
    INTERVAL_MISMATCH = "interval_mismatch"  # v2: Adver Int differs from ours (RFC 3768 §7.1)
    # the advert lists other virtual addresses than ours: another cluster using our VRID, or
    # config drift (RFC 5798 §7.1 SHOULD log; RFC 3768 and keepalived discard it)
    ADDRESS_MISMATCH = "address_mismatch"
    # the receive path (vrrpd.runtime.receive), before a packet reaches a Router
    UNKNOWN_VRID = "unknown_vrid"  # no instance of this VRID on the socket (per-socket count)
    BAD_TTL = "bad_ttl"  # TTL / hop limit not 255 (RFC 5798 §7.1)
    UNKNOWN_PEER = "unknown_peer"  # a unicast instance heard a source it does not list
    # a multicast instance heard an advert not sent to the VRRP group (keepalived drops them)
    WRONG_DESTINATION = "wrong_destination"


# found only by the daemon's receive path: their series appear once seen, not at 0 from start
RECEIVE_PATH_ONLY = frozenset(
    {
        DropReason.UNKNOWN_VRID,
        DropReason.BAD_TTL,
        DropReason.UNKNOWN_PEER,
        DropReason.WRONG_DESTINATION,
    }
)


class NoteReason(enum.StrEnum):
    """Adverts a Router acted on that still tell the operator something (counter keys)."""

    INTERVAL_CHANGED = "interval_changed"  # v3: the master's Max Adver Int changed (we follow)
