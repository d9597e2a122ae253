"""vrrpd(8), from the argparse parser (commands, options) and the facts the CLI promises."""

from __future__ import annotations

from vrrpd import __version__
from vrrpd.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from vrrpd.config.schema import DEFAULT_CONTROL_SOCKET
from vrrpd.docs import roff
from vrrpd.docs.cli_model import Command, commands, description

SIGNALS = (
    ("SIGTERM, SIGINT", "Clean stop: every master sends priority 0 so a backup takes over at "
     "once, and releases its virtual addresses and routes once the new master is heard "
     "(a bounded wait); exit status 0."),
    ("SIGHUP", "Reload the configuration file. An invalid file is reported and the running "
     "configuration kept; instances whose settings did not change keep their state."),
)
EXIT_CODES = (
    (EXIT_OK, "Success; for `run`, a clean stop."),
    (EXIT_FAILURE, "Runtime failure (one clear line on stderr); `status` and `explain`: the "
     "daemon is unreachable; `import-keepalived`: the result does not pass check-config."),
    (EXIT_USAGE, "Bad command line or invalid configuration; `import-keepalived`: the input "
     "cannot be read or parsed."),
)
EXAMPLES = (
    ("Check a file, then run in the foreground:",
     ["vrrpd check-config -c /etc/vrrpd/vrrpd.toml", "vrrpd run -c /etc/vrrpd/vrrpd.toml"]),
    ("Under systemd (the unit runs check-config first; reload sends SIGHUP):",
     ["systemctl enable --now vrrpd", "systemctl reload vrrpd", "journalctl -u vrrpd -f"]),
    ("State of a running daemon, for people and for programs:",
     ["vrrpd status", "vrrpd status --json"]),
    ("Migrate from keepalived:",
     ["vrrpd import-keepalived /etc/keepalived/keepalived.conf -o /etc/vrrpd/vrrpd.toml"]),
)


def manpage() -> str:
    found = commands()
    lines = roff.header("vrrpd", 8, __version__, "System Administration")
    lines += [roff.section("name"), "vrrpd \\- " + roff.text(description())]
    lines += [roff.section("synopsis")]
    for command in found:
        lines += [".PP", roff.text(command.synopsis())]
    lines += [".PP", "vrrpd \\-\\-version"]
    lines += [roff.section("description")]
    lines += roff.paragraph(
        "vrrpd moves virtual IP addresses between Linux hosts with VRRP: VRRPv3 (RFC 5798, "
        "IPv4 and IPv6) and VRRPv2 (RFC 3768), multicast or unicast peers, interoperable "
        "with keepalived. The master holds the addresses and announces them with "
        "gratuitous ARP or unsolicited neighbour advertisements; when its adverts stop, "
        "the best backup takes over. `vrrpd run` needs CAP_NET_RAW and CAP_NET_ADMIN. "
        "The configuration is described in vrrpd.toml(5)."
    )
    lines += [roff.section("commands")]
    for command in found:
        lines += _command(command)
    lines += [roff.section("signals")]
    for names, meaning in SIGNALS:
        lines += roff.tagged(roff.bold(names), meaning)
    lines += [roff.section("exit status")]
    for code, meaning in EXIT_CODES:
        lines += roff.tagged(roff.bold(str(code)), meaning)
    lines += [roff.section("environment")]
    lines += roff.tagged(
        roff.bold("VRRPD_SOCKET"),
        "Control socket path for `run`, `status` and `explain`, unless `--socket` is given.",
    )
    lines += [roff.section("files")]
    lines += roff.tagged(roff.bold("/etc/vrrpd/vrrpd.toml"), "The configuration file.")
    lines += roff.tagged(roff.bold(DEFAULT_CONTROL_SOCKET),
                         "Default control socket (`global.control_socket`).")
    lines += roff.tagged(roff.bold("vrrpd.service"),
                         "systemd unit: Type=notify with watchdog, check-config before start, "
                         "reload by SIGHUP.")
    lines += [roff.section("examples")]
    for caption, commands_ in EXAMPLES:
        lines += roff.paragraph(caption)
        lines += roff.example(commands_)
    lines += [roff.section("see also"), "vrrpd.toml(5), keepalived(8), systemd.service(5)"]
    return "\n".join(lines) + "\n"


def _command(command: Command) -> list[str]:
    lines = [roff.subsection(command.synopsis())]
    lines += roff.paragraph(command.description or command.summary)
    for option in command.options:
        tag = ", ".join(roff.bold(flag) for flag in option.flags)
        if option.metavar:
            value = roff.italic(option.metavar)
            tag = f"{tag} {value}" if tag else value
        lines += roff.tagged(tag, option.help)
    return lines
