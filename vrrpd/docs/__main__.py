"""`python -m vrrpd.docs OUTDIR` writes vrrpd.8, vrrpd.toml.5, vrrpd.bash-completion and
vrrpd.schema.json; `--readme FILE` (re)writes the generated key table of conf/README.md;
`--check-readme FILE` exits 1 when that table is out of date."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vrrpd.docs import completion, jsonschema, man_cli, man_toml

OUTPUTS = {
    "vrrpd.8": man_cli.manpage,
    "vrrpd.toml.5": man_toml.manpage,
    "vrrpd.bash-completion": completion.completion,
    "vrrpd.schema.json": jsonschema.render,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vrrpd.docs", description=__doc__)
    parser.add_argument("outdir", nargs="?", help="write the generated files here")
    parser.add_argument("--readme", metavar="FILE", help="update the key table in FILE")
    parser.add_argument("--check-readme", metavar="FILE",
                        help="exit 1 when FILE's key table is out of date")
    args = parser.parse_args(argv)
    if not (args.outdir or args.readme or args.check_readme):
        parser.error("give OUTDIR, --readme or --check-readme")
    if args.outdir:
        out = Path(args.outdir)
        out.mkdir(parents=True, exist_ok=True)
        for name, render in OUTPUTS.items():
            (out / name).write_text(render(), encoding="utf-8")
    if args.readme:
        path = Path(args.readme)
        path.write_text(man_toml.replace_readme_block(path.read_text(encoding="utf-8")),
                        encoding="utf-8")
    if args.check_readme:
        text = Path(args.check_readme).read_text(encoding="utf-8")
        if man_toml.replace_readme_block(text) != text:
            print(f"{args.check_readme}: the key table is out of date; run `make docs`",
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
