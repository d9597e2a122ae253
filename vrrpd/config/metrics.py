"""Semantic checks of the `[metrics]` section (Prometheus endpoint and textfile)."""

from __future__ import annotations

import math
from ipaddress import IPv4Address, IPv6Address, ip_address

from vrrpd.config.errors import ConfigProblem
from vrrpd.config.model import HttpListen, MetricsConfig
from vrrpd.config.schema import RawMetrics

TEXTFILE_INTERVAL = (1.0, 3600.0)
# vrrpd's default metrics port: the Prometheus exporters' port registry has 9100-9999 fully
# allocated (9650 is a keepalived exporter's); 10112 is not on it (VRRP is IP protocol 112)
DEFAULT_PORT = 10112
_LISTEN_FORMS = (
    f"ADDRESS:PORT, [IPV6]:PORT, :PORT (every address) or an address alone (port "
    f"{DEFAULT_PORT}), e.g. '127.0.0.1:{DEFAULT_PORT}'"
)


def parse_listen(text: str) -> HttpListen | str:
    """`127.0.0.1:10112`, `[::1]:10112`, `:10112` or `127.0.0.1` (DEFAULT_PORT) as an
    HttpListen, else the problem's message.

    Only address literals: a host name would need a resolver at start-up, and a name with
    several addresses would leave it open which one serves.
    """
    if (text.startswith("[") and text.endswith("]")) or (text and ":" not in text):
        alone = parse_listen(f"{text}:{DEFAULT_PORT}")  # an address alone: the default port
        return f"{text!r} must be {_LISTEN_FORMS}" if isinstance(alone, str) else alone
    host, sep, port_text = text.rpartition(":")
    if not sep:
        return f"{text!r} must be {_LISTEN_FORMS}"
    address: IPv4Address | IPv6Address | None = None
    if host.startswith("[") and host.endswith("]"):
        try:
            address = IPv6Address(host[1:-1])
        except ValueError:
            return f"{host[1:-1]!r} in {text!r} is not an IPv6 address"
    elif host:
        try:
            address = ip_address(host)
        except ValueError:
            return f"{host!r} in {text!r} is not an IP address (write {_LISTEN_FORMS})"
        if address.version == 6:
            return f"{text!r}: put an IPv6 address in brackets, e.g. '[{host}]:{port_text}'"
    if not port_text.isascii() or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        return f"port {port_text!r} in {text!r} must be 1..65535"
    return HttpListen(host=None if address is None else str(address), port=int(port_text))


def build_metrics(raw: RawMetrics, problems: list[ConfigProblem]) -> MetricsConfig | None:
    """The checked `[metrics]` section, or None after appending its problems."""
    already = len(problems)

    def report(key: str, message: str) -> None:
        problems.append(ConfigProblem(f"metrics.{key}" if key else "metrics", message))

    if raw.listen is None and raw.textfile is None:
        report("", "set listen, textfile or both (or leave the [metrics] section out)")
    listen = None
    if raw.listen is not None:
        parsed = parse_listen(raw.listen)
        if isinstance(parsed, str):
            report("listen", parsed)
        else:
            listen = parsed
    if raw.textfile is not None:
        path = raw.textfile
        if not path.startswith("/"):
            report("textfile", f"{path!r} must be an absolute path")
        elif not path.endswith(".prom") or path.endswith("/.prom"):
            report(
                "textfile",
                f"{path!r} must name a file ending in '.prom' "
                "(node_exporter's textfile collector reads only those)",
            )
        elif "\0" in path:
            report("textfile", "must not contain a NUL character")
    low, high = TEXTFILE_INTERVAL
    interval = raw.textfile_interval
    if not math.isfinite(interval) or not low <= interval <= high:
        report("textfile_interval", f"must be {low:g}..{high:g} seconds, got {interval!r}")
    if len(problems) > already:
        return None
    return MetricsConfig(listen=listen, textfile=raw.textfile, textfile_interval=interval)
