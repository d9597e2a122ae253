"""`python -m vrrpd.io.frame_builder`: build GARP / unsolicited-NA frames with scapy and exit.

The daemon (vrrpd.io.frames) runs this once for every frame it needs, so scapy is imported
here, in a process that ends, and never in the daemon. Input on stdin: a JSON list of
`[mac, vip, ll_src or null]`; output: one hex-encoded frame per line, in the same order.
"""

from __future__ import annotations

import json
import sys
from ipaddress import ip_address

from vrrpd.io.garp import build_frames


def build(requests: list[list[str | None]]) -> list[bytes]:
    frames = []
    for mac, vip, ll_src in requests:
        ll = ip_address(ll_src) if ll_src else None
        frames += build_frames(str(mac), [ip_address(str(vip))], ll)  # type: ignore[arg-type]
    return frames


def main() -> int:
    try:
        requests = json.load(sys.stdin)
        frames = build(requests)
    except (ValueError, TypeError) as exc:
        print(f"frame_builder: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write("".join(f"{frame.hex()}\n" for frame in frames))
    return 0


if __name__ == "__main__":
    sys.exit(main())
