"""The `vrrpd` command line (console script and `python -m vrrpd`).

Each subcommand is one `_add_<cmd>_parser(subparsers)` that declares its arguments and
one `_cmd_<cmd>(args) -> int` that runs it, importing what it needs inside the function:
`vrrpd check-config` and `vrrpd status` must start fast and never load scapy or pyroute2.
To add a command, write the pair and list the parser function in SUBCOMMANDS.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from vrrpd import __version__

EXIT_OK = 0
EXIT_FAILURE = 1  # runtime failure, daemon unreachable
EXIT_USAGE = 2  # bad command line or bad config (as argparse and the CONTRACT agree)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one vrrpd command and return its exit status (never raises SystemExit)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version and usage errors end in argparse
        return stop.code if isinstance(stop.code, int) else EXIT_FAILURE
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return args.run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vrrpd",
        description="VRRP (RFC 5798 v3 / RFC 3768 v2) failover daemon.",
    )
    parser.add_argument("--version", action="version", version=f"vrrpd {__version__}")
    subparsers = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    for add_parser in SUBCOMMANDS:
        add_parser(subparsers)
    return parser


def _add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c", "--config", required=True, metavar="FILE", help="the TOML config file"
    )


# --- check-config -------------------------------------------------------------------------


def _add_check_config_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check-config",
        help="validate a config file",
        description="Validate FILE and print every problem as 'FILE: path.to.key: message'. "
        "Exit 0 when valid, 2 when not.",
    )
    _add_config_argument(parser)
    parser.set_defaults(run=_cmd_check_config)


def _cmd_check_config(args: argparse.Namespace) -> int:
    from vrrpd.config import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    from vrrpd.config.host_conflicts import vip_conflicts
    from vrrpd.io.host_addresses import host_addresses

    held = host_addresses()  # None: netlink unreadable here, host checks skipped
    problems = vip_conflicts(config.instances, held.get) if held is not None else []
    if problems:
        print(ConfigError(args.config, problems), file=sys.stderr)
        return EXIT_USAGE
    for warning in config.warnings:
        print(warning.render(args.config), file=sys.stderr)
    count = len(config.instances)
    print(f"{args.config}: OK ({count} instance{'' if count == 1 else 's'})")
    return EXIT_OK


# --- run ------------------------------------------------------------------------------------


def _add_socket_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--socket", metavar="PATH", default=None,
        help="control socket (default: $VRRPD_SOCKET, else global.control_socket)",
    )


def _add_run_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the daemon in the foreground",
        description="Run until SIGTERM/SIGINT (clean stop: priority 0, VIPs released); "
        "SIGHUP reloads FILE. Exit 0 on clean stop, 2 bad config, 1 runtime failure.",
    )
    _add_config_argument(parser)
    _add_socket_argument(parser)
    parser.add_argument("--log-level", choices=("debug", "info", "warning", "error"),
                        default=None, help="override global.log_level")
    parser.set_defaults(run=_cmd_run)


def _cmd_run(args: argparse.Namespace) -> int:
    from vrrpd.runtime.entry import run

    return run(args.config, args.socket, args.log_level)


# --- status ---------------------------------------------------------------------------------


def _add_status_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "status",
        help="show the state of a running daemon",
        description="Ask a running vrrpd over its control socket. Exit 0 ok, 1 unreachable.",
    )
    _add_socket_argument(parser)
    parser.add_argument("-c", "--config", metavar="FILE", default=None,
                        help="read global.control_socket from FILE")
    parser.add_argument("--json", action="store_true", help="print JSON for programs")
    parser.set_defaults(run=_cmd_status)


def _config_socket(args: argparse.Namespace) -> str | None | bool:
    """global.control_socket of `-c FILE` (None without it or with --socket); False, after
    printing the problems, when FILE is invalid."""
    if not args.config or args.socket:
        return None
    from vrrpd.config import ConfigError, load_config

    try:
        return load_config(args.config).global_.control_socket
    except ConfigError as error:
        print(error, file=sys.stderr)
        return False


def _cmd_status(args: argparse.Namespace) -> int:
    from vrrpd.control.client import ControlError, request, resolve_socket
    from vrrpd.control.status import render_json, render_table

    config_socket = _config_socket(args)
    if config_socket is False:
        return EXIT_USAGE
    try:
        status = request(resolve_socket(args.socket, config_socket))
    except ControlError as error:
        print(f"vrrpd status: {error}", file=sys.stderr)
        return EXIT_FAILURE
    print(render_json(status) if args.json else render_table(status))
    return EXIT_OK


# --- explain --------------------------------------------------------------------------------


def _add_explain_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="say why each instance is in its state",
        description="Ask a running vrrpd why each instance (or INSTANCE) is in its state: the "
        "deciding rule, the priority breakdown, the routers it hears and who claims the VIPs. "
        "Exit 0 ok, 1 unreachable or no such instance.",
    )
    parser.add_argument("instance", nargs="?", default=None, metavar="INSTANCE",
                        help="only this instance")
    _add_socket_argument(parser)
    parser.add_argument("-c", "--config", metavar="FILE", default=None,
                        help="read global.control_socket from FILE")
    parser.add_argument("--json", action="store_true", help="print JSON for programs")
    parser.set_defaults(run=_cmd_explain)


def _cmd_explain(args: argparse.Namespace) -> int:
    from vrrpd.control.client import ControlError, request, resolve_socket
    from vrrpd.control.explain import render_json, render_text

    config_socket = _config_socket(args)
    if config_socket is False:
        return EXIT_USAGE
    try:
        reply = request(resolve_socket(args.socket, config_socket), "explain",
                        args={"instance": args.instance})
    except ControlError as error:
        print(f"vrrpd explain: {error}", file=sys.stderr)
        return EXIT_FAILURE
    print(render_json(reply) if args.json else render_text(reply))
    return EXIT_OK


# --- import-keepalived ------------------------------------------------------------------------


IMPORT_EXIT_CODES = """exit status:
  0  written; everything that matters for failover was converted (notes may still list
     things such as smtp_alert that vrrpd does differently)
  1  written, but the result does not pass vrrpd check-config here (problems follow)
  2  FILE cannot be read or parsed (one line: FILE:LINE: message); nothing written
  3  written, but something that changes failover was not converted: a health check,
     VIP, route or rule, tracked interface/script/file/process, or a hook
     (with --strict: anything not converted; then nothing is written)"""
EXIT_LOST = 3


def _add_import_keepalived_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import-keepalived",
        help="convert a keepalived.conf to a vrrpd config",
        description="Convert the VRRP parts of a keepalived config (and the files it includes) "
        "to vrrpd TOML. Everything not carried over exactly is listed on stderr as "
        "'FILE:LINE: keyword: not converted (reason)' and written as a comment into the "
        "table of the output it concerns. Hooks keep keepalived's arguments "
        "(notify_convention = \"keepalived\").",
        epilog=IMPORT_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="keepalived.conf to convert")
    parser.add_argument("-o", "--output", metavar="OUT", default=None,
                        help="write the TOML here instead of to stdout")
    parser.add_argument("--strict", action="store_true",
                        help="write nothing (exit 3) when anything was not converted")
    parser.set_defaults(run=_cmd_import_keepalived)


def _cmd_import_keepalived(args: argparse.Namespace) -> int:
    from vrrpd.config import ConfigError, parse_config
    from vrrpd.keepalived_import import ParseError, convert_file

    try:
        conversion = convert_file(args.file)
    except ParseError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    for note in conversion.notes:
        print(note.render(), file=sys.stderr)
    lost, failover_lost = conversion.lost, conversion.failover_lost
    if args.strict and lost:
        print(f"vrrpd import-keepalived: --strict: {len(lost)} line(s) not converted "
              f"({len(failover_lost)} affecting failover); nothing written", file=sys.stderr)
        return EXIT_LOST
    text = conversion.toml()
    target = args.output or "<stdout>"
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as error:
            print(f"vrrpd import-keepalived: cannot write {args.output}: {error.strerror}",
                  file=sys.stderr)
            return EXIT_FAILURE
    try:
        parse_config(text, target)
    except ConfigError as error:
        print(f"vrrpd import-keepalived: the converted config does not pass check-config:\n"
              f"{error}", file=sys.stderr)
        return EXIT_FAILURE
    if failover_lost:
        print(f"vrrpd import-keepalived: {len(failover_lost)} line(s) that change failover "
              "were not converted (see above; exit 3)", file=sys.stderr)
        return EXIT_LOST
    return EXIT_OK


SUBCOMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    _add_check_config_parser,
    _add_run_parser,
    _add_status_parser,
    _add_explain_parser,
    _add_import_keepalived_parser,
)
