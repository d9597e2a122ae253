"""`python -m netns_lab up|down|sweep|demo-keepalived`: the lab by hand, without pytest."""

from __future__ import annotations

import argparse
import glob
import math
import shutil
import sys
import tempfile
from pathlib import Path

from .bench_cli import add_bench_parser
from .chaos import add_chaos_parser
from .demo import demo_keepalived
from .errors import LabError
from .lab import Lab
from .sweep import sweep

DEFAULT_SWEEP_GLOB = "vl*"


def _split(names: str) -> list[str]:
    return [n for n in names.split(",") if n]


def _remove_dirs(prefix_glob: str) -> list[str]:
    dirs = glob.glob(str(Path(tempfile.gettempdir()) / f"netns-lab-{prefix_glob}-*"))
    for path in dirs:
        shutil.rmtree(path, ignore_errors=True)
    return dirs


def cmd_up(args: argparse.Namespace) -> int:
    lab = Lab(
        args.prefix,
        hosts=_split(args.hosts),
        client=not args.no_client,
        ipv6=not args.no_ipv6,
        bond_hosts=_split(args.bond),
        keep_files=True,
    ).up()
    print(f"prefix {lab.prefix}")
    print(f"dir {lab.dir}")
    print(f"switch {lab.plan.switch_netns} bridge br0")
    for host in lab.all_hosts:
        addrs = " ".join(a for a in (host.ipv4, host.ipv6) if a)
        print(f"host {host.name} netns {host.netns} {addrs} mac {host.mac}")
    print(f"tear down with: python -m netns_lab down --prefix {lab.prefix}")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    removed = sweep(args.prefix)
    _remove_dirs(args.prefix)
    print(f"removed {' '.join(removed)}" if removed else f"no namespaces of {args.prefix}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    removed = sweep(args.glob)
    _remove_dirs(args.glob)
    print(f"removed {' '.join(removed)}" if removed else f"nothing matches {args.glob}-*")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    outage = demo_keepalived(
        advert_int=args.advert_int,
        version=args.version,
        interval=args.interval / 1000,
        fault=args.fault,
        prefix=args.prefix,
    )
    return 0 if math.isfinite(outage) else 1


def cmd_vrrpd_demo(args: argparse.Namespace) -> int:
    from .vrrpd_demo import demo_vrrpd

    ok = demo_vrrpd(advert_int=args.advert_int, interval=args.interval / 1000,
                    prefix=args.prefix)
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m netns_lab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="build a lab and leave it running")
    up.add_argument("--prefix", help="namespace prefix (default: a fresh unique one)")
    up.add_argument("--hosts", default="r1,r2", help="comma-separated host names")
    up.add_argument("--bond", default="", help="comma-separated hosts whose eth0 is a bond")
    up.add_argument("--no-client", action="store_true")
    up.add_argument("--no-ipv6", action="store_true")
    up.set_defaults(func=cmd_up)
    down = sub.add_parser("down", help="remove the lab built with this prefix")
    down.add_argument("--prefix", required=True)
    down.set_defaults(func=cmd_down)
    sweep_p = sub.add_parser("sweep", help="remove every lab namespace matching a glob")
    sweep_p.add_argument("--glob", default=DEFAULT_SWEEP_GLOB, help="prefix glob (default vl*)")
    sweep_p.set_defaults(func=cmd_sweep)
    vdemo = sub.add_parser("demo", help="vrrpd pair: kill the master, outage, preempt back")
    vdemo.add_argument("--advert-int", type=float, default=0.1, help="seconds (default 0.1)")
    vdemo.add_argument("--interval", type=float, default=5.0, help="probe interval in ms")
    vdemo.add_argument("--prefix")
    vdemo.set_defaults(func=cmd_vrrpd_demo)
    demo = sub.add_parser("demo-keepalived", help="keepalived pair, crash the master, outage")
    demo.add_argument("--advert-int", type=float, default=0.1, help="seconds (default 0.1)")
    demo.add_argument("--version", type=int, choices=(2, 3), default=3)
    demo.add_argument("--interval", type=float, default=5.0, help="probe interval in ms")
    demo.add_argument("--fault", choices=("crash", "kill"), default="crash")
    demo.add_argument("--prefix")
    demo.set_defaults(func=cmd_demo)
    add_bench_parser(sub)
    add_chaos_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (LabError, ValueError) as exc:
        print(f"netns_lab {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
