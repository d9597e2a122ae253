"""Which received adverts a Router discards, and why (RFC 5798 §7.1 / RFC 3768 §7.1 checks that
need the instance's settings; the codec already did the ones that need only the packet).

Split from router.py so the state machine there reads as transitions only.
"""

from __future__ import annotations

from vrrpd.protocol.actions import AdvertDropped, DropReason, State
from vrrpd.protocol.packet import Advert
from vrrpd.protocol.router_params import IPAddress, RouterParams
from vrrpd.protocol.timing import seconds_to_v2, wire_interval_to_seconds

SHOWN_ADDRESSES = 3  # per side, in the address-mismatch detail

_INACTIVE = AdvertDropped(DropReason.INACTIVE)
_VRID = AdvertDropped(DropReason.VRID_MISMATCH)
_VERSION = AdvertDropped(DropReason.VERSION_MISMATCH)
_BAD_INTERVAL = AdvertDropped(DropReason.BAD_INTERVAL)


def drop_reason(
    params: RouterParams, state: State, src: IPAddress, advert: Advert
) -> AdvertDropped | None:
    """The AdvertDropped to return for `advert` from `src`, or None to act on it."""
    if state in (State.INIT, State.FAULT):
        return _INACTIVE
    if advert.vrid != params.vrid:
        return _VRID
    if advert.version != params.version:
        return _VERSION
    if src == params.primary_ip:
        return AdvertDropped(
            DropReason.OWN_ADDRESS,
            f"an advert from our own address {src}: another box uses it (two masters could "
            "hide from each other) or the network reflects our adverts",
        )
    try:
        wire_interval_to_seconds(advert.interval, advert.version)
    except ValueError:
        return _BAD_INTERVAL
    if params.version == 2 and advert.interval != seconds_to_v2(params.advert_int):
        return AdvertDropped(
            DropReason.INTERVAL_MISMATCH,
            f"{src} advertises every {advert.interval} s, we every {params.advert_int:g} s; "
            "VRRPv2 routers of one VRID must share advert_int",
        )
    if advert.addresses != params.addresses and set(advert.addresses) != set(params.addresses):
        detail = _address_detail(src, advert, params)
        return AdvertDropped(DropReason.ADDRESS_MISMATCH, detail)
    return None


def _address_detail(src: IPAddress, advert: Advert, params: RouterParams) -> str:
    theirs, ours = set(advert.addresses), set(params.addresses)
    return (
        f"{src} advertises other virtual addresses for VRID {params.vrid}: only theirs "
        f"{_some(theirs - ours)}, only ours {_some(ours - theirs)} (another cluster on this "
        "VRID, or the configs differ)"
    )


def _some(addresses: set[IPAddress]) -> str:
    shown = sorted(addresses)[:SHOWN_ADDRESSES]
    more = len(addresses) - len(shown)
    text = ", ".join(str(address) for address in shown) or "none"
    return f"{text} and {more} more" if more else text
