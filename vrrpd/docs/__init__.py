"""Documentation generated from the code: man pages, bash completion, JSON Schema, key table.

One source of truth: vrrpd(8) and the completion come from the argparse parser in
`vrrpd.cli`, vrrpd.toml(5), conf/README.md's key table and the JSON Schema from the Structs
(and their field docstrings) in `vrrpd.config.schema`. `python -m vrrpd.docs OUTDIR` writes
them; `make install` / `make deb` run it at build time.
"""
