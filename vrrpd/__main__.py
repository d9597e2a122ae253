"""`python -m vrrpd` runs the same CLI as the `vrrpd` console script."""

from vrrpd.cli import main

raise SystemExit(main())
