"""`python -m netns_lab bench --scale`: the scale section's options, run, table and picture."""

from __future__ import annotations

import argparse
import json
import signal
from pathlib import Path

from .bench_scale_plan import CASES
from .plan import new_prefix, validate_prefix

DEFAULT_PNG = Path(__file__).resolve().parents[2] / "docs" / "bench-scale.png"


def add_scale_arguments(bench: argparse.ArgumentParser) -> None:
    group = bench.add_argument_group("scale section (--scale)")
    group.add_argument("--scale", action="store_true",
                       help="run the scale section instead of the failover outages")
    group.add_argument("--cases", default=",".join(CASES),
                       help=f"comma-separated scale cases (default {','.join(CASES)})")
    group.add_argument("--cost-window", type=float, default=10.0,
                       help="seconds of CPU time measured per case (default 10)")
    group.add_argument("--hog-seconds", type=float, default=60.0,
                       help="CPU hog duration per variant, 0 = skip (default 60; 600 = 10 min)")
    group.add_argument("--hog-variants", default=None,
                       help="comma-separated hog variants (default: all of vrrpd, vrrpd rt, "
                            "keepalived, keepalived rt)")
    group.add_argument("--png", type=Path, default=DEFAULT_PNG,
                       help=f"write the picture here (default docs/{DEFAULT_PNG.name})")


def cmd_scale(args: argparse.Namespace) -> int:
    from .bench_scale import run_scale
    from .bench_scale_report import render

    prefix = validate_prefix(args.prefix or new_prefix())
    cases = [c for c in args.cases.split(",") if c]
    variants = None
    if args.hog_variants:
        from .bench_hog import HOG_VARIANTS

        variants = tuple(v.strip() for v in args.hog_variants.split(",") if v.strip())
        unknown = [v for v in variants if v not in HOG_VARIANTS]
        if unknown:
            raise SystemExit(f"--hog-variants: unknown {unknown}; choose from {HOG_VARIANTS}")

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # unwinds through every Lab, which tears itself down

    previous = signal.signal(signal.SIGTERM, interrupted)
    try:
        results = run_scale(cases, prefix=prefix, window=args.cost_window,
                            hog_s=args.hog_seconds, hog_variants=variants,
                            say=lambda line: print(line, flush=True))
    finally:
        signal.signal(signal.SIGTERM, previous)
    print()
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps(results.as_json(), indent=2) + "\n")
    if args.png:
        from .bench_plot import plot

        print(plot(results, args.png))
    return 1 if results.failures() else 0
