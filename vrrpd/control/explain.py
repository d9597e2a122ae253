"""`vrrpd explain`: render the daemon's explanation (vrrpd.protocol.explain) for people.

Stdlib only, like `vrrpd status`: the JSON arrives over the control socket already worded.
"""

from __future__ import annotations

import json
import time
from typing import Any

from vrrpd.control.status import format_duration


def render_text(reply: dict[str, Any], now: float | None = None) -> str:
    now = time.time() if now is None else now
    lines = [f"vrrpd {reply.get('version', '')} router_id={reply.get('router_id', '?')}".strip()]
    for inst in reply.get("instances", []):
        since = inst.get("since")
        when = ""
        if since:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(since))
            when = f" since {stamp} ({format_duration(now - since)})"
        lines.append("")
        lines.append(f"{inst.get('name', '?')}: {inst.get('state', '?')}{when}")
        lines.append(f"  why:      {inst.get('rule', '?')}")
        priority = inst.get("priority") or {}
        lines.append(f"  priority: {priority.get('text', '?')}")
        peers = inst.get("peers") or []
        if not peers:
            lines.append("  hears:    nobody")
        for i, peer in enumerate(peers):
            lines.append(f"  {'hears:' if i == 0 else '':<9} {peer.get('text', '?')}")
        for i, holder in enumerate(inst.get("vip_holders") or []):
            lines.append(f"  {'VIPs:' if i == 0 else '':<9} {holder}")
    return "\n".join(lines)


def render_json(reply: dict[str, Any]) -> str:
    return json.dumps(reply, indent=2)
