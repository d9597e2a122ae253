"""`vrrpd status`: render the daemon's status for people (table) or programs (JSON).

Stdlib only, so the command answers in a few tens of milliseconds.
"""

from __future__ import annotations

import json
import time
from typing import Any


def format_duration(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def render_table(status: dict[str, Any], now: float | None = None) -> str:
    now = time.time() if now is None else now
    head = ("INSTANCE", "STATE", "PRIO", "MASTER", "VIPS", "SINCE", "TRANS")
    rows = [head]
    for inst in status.get("instances", []):
        since = inst.get("since")
        rows.append((
            str(inst.get("name", "?")),
            str(inst.get("state", "?")),
            f"{inst.get('priority', '?')}/{inst.get('base_priority', '?')}",
            str(inst.get("master_ip") or "-"),
            ",".join(inst.get("vips", [])) or "-",
            format_duration(now - since) if since else "-",
            str(inst.get("transitions", 0)),
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    title = f"vrrpd {status.get('version', '')} router_id={status.get('router_id', '?')}"
    return "\n".join([title.strip(), *lines])


def render_json(status: dict[str, Any]) -> str:
    return json.dumps(status, indent=2, sort_keys=False)
