"""Check, before touching the network, that we hold what `vrrpd run` needs.

Root without CAP_NET_ADMIN/CAP_NET_RAW (a container, a hardened unit) would otherwise
fail half-way through start-up with a less obvious message.
"""

from __future__ import annotations

CAPABILITIES = {"CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13}


def effective_capabilities(status_text: str) -> int | None:
    for line in status_text.splitlines():
        if line.startswith("CapEff:"):
            try:
                return int(line.split()[1], 16)
            except (IndexError, ValueError):
                return None
    return None


def missing_capabilities(status_path: str = "/proc/self/status") -> list[str]:
    """Names of the needed capabilities we lack; [] when unknown (let the kernel decide)."""
    try:
        with open(status_path, encoding="ascii", errors="replace") as f:
            caps = effective_capabilities(f.read())
    except OSError:
        return []
    if caps is None:
        return []
    return [name for name, bit in CAPABILITIES.items() if not caps >> bit & 1]
