"""`python -m netns_lab bench`: its options and the command (the run itself is bench.py,
the scale section bench_scale_cli.py)."""

from __future__ import annotations

import argparse
import json
import signal
from pathlib import Path

from .bench import run_bench
from .bench_report import SETTINGS, render
from .bench_routed import render_routed, run_routed_bench
from .plan import new_prefix, validate_prefix


def add_bench_parser(sub: argparse._SubParsersAction) -> None:
    bench = sub.add_parser("bench", help="client-visible outage: vrrpd vs keepalived, same run")
    bench.add_argument("--rounds", type=int, default=3, help="rounds per cell (default 3)")
    bench.add_argument(
        "--quick",
        action="store_true",
        help="one round at advert_int 0.1 only, no routed rows unless --routed-only "
        "(what the tests run)",
    )
    bench.add_argument(
        "--intervals",
        default=",".join(SETTINGS),
        help=f"comma-separated advert intervals in s (default {','.join(SETTINGS)})",
    )
    bench.add_argument("--json", type=Path, help="also write the raw numbers here")
    bench.add_argument("--prefix", help="namespace prefix (default: a fresh unique one)")
    which = bench.add_mutually_exclusive_group()
    which.add_argument("--routed-only", action="store_true",
                       help="only the routed rows (VIP announced by BGP through FRR)")
    which.add_argument("--no-routed", action="store_true", help="leave the routed rows out")
    from .bench_scale_cli import add_scale_arguments

    add_scale_arguments(bench)
    bench.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    if args.scale:
        from .bench_scale_cli import cmd_scale

        return cmd_scale(args)
    settings = ["0.1"] if args.quick else [k for k in args.intervals.split(",") if k]
    rounds = 1 if args.quick else args.rounds

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # unwinds through every Lab, which tears itself down

    previous = signal.signal(signal.SIGTERM, interrupted)
    say = lambda line: print(line, flush=True)  # noqa: E731
    base = validate_prefix(args.prefix or new_prefix())
    results = routed = None
    try:
        if not args.routed_only:
            results = run_bench(settings, rounds, prefix=base, say=say)
        if not (args.no_routed or (args.quick and not args.routed_only)):
            routed = run_routed_bench(rounds, f"{base}rt", say=say)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if results is not None:
        print()
        print(render(results))
    if routed is not None:
        print()
        print(render_routed(routed))
    if args.json:
        raw = results.as_json() if results is not None else {}
        if routed is not None:
            raw["routed"] = routed.as_json()
        args.json.write_text(json.dumps(raw, indent=2, allow_nan=True) + "\n")
    failed = results is not None and bool(results.failures())
    return 1 if failed or (routed is not None and routed.failures) else 0
