"""The folder says what a module may touch: checked on the source (ast), so a new import or
call that breaks the layout fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "vrrpd"
IO_LIBRARIES = {"asyncio", "socket", "pyroute2", "scapy", "aiomqtt", "selectors"}
# calls that hand a Router (or an instance) something to act on
FEEDING_CALLS = {"feed", "handle", "apply", "advert_received", "reconfigure"}


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _imports(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def protocol_violations(source: str) -> list[str]:
    """Imports a sans-I/O module may not have: I/O libraries and other vrrpd packages."""
    bad = []
    for name in _imports(ast.parse(source)):
        top = name.split(".")[0]
        if top in IO_LIBRARIES or top == "vrrpd" and not name.startswith("vrrpd.protocol"):
            bad.append(name)
    return bad


def export_violations(source: str) -> list[str]:
    """What an observer may not do: import the Router's inputs or call into a Router."""
    tree = ast.parse(source)
    bad = [n for n in _imports(tree) if n in ("vrrpd.protocol.events", "vrrpd.protocol.router")]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("vrrpd"):
            bad += [f"{node.module}.{a.name}" for a in node.names if a.name == "Router"]
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in FEEDING_CALLS):  # fmt: skip
            bad.append(f"call .{node.func.attr}() line {node.lineno}")
    return bad


@pytest.mark.parametrize("path", _modules("protocol"), ids=lambda p: p.name)
def test_protocol_modules_import_no_io_and_no_other_vrrpd_package(path: Path):
    assert protocol_violations(path.read_text()) == []


@pytest.mark.parametrize("path", _modules("export"), ids=lambda p: p.name)
def test_export_modules_never_feed_a_router(path: Path):
    assert export_violations(path.read_text()) == []


@pytest.mark.parametrize(
    "source",
    [
        "import asyncio",
        "import socket as s",
        "from pyroute2 import IPRoute",
        "from scapy.layers.l2 import Ether",
        "from vrrpd.io.garp import build_frames",
        "import vrrpd.runtime.daemon",
        "def f():\n    from vrrpd.config.model import Config\n",
    ],
)
def test_the_protocol_check_catches_each_forbidden_import(source: str):
    assert protocol_violations(source)


def test_the_protocol_check_allows_its_own_package_and_the_stdlib():
    source = "import enum\nfrom vrrpd.protocol.packet import Advert\nfrom .events import Event\n"
    assert protocol_violations(source) == []


@pytest.mark.parametrize(
    "source",
    [
        "from vrrpd.protocol.events import Startup",
        "import vrrpd.protocol.router",
        "from vrrpd.protocol.router import Router",
        "def f(runner, e):\n    runner.feed(e)\n",
        "def f(router, e, now):\n    return router.handle(e, now)\n",
        "def f(runner):\n    runner.apply([])\n",
    ],
)
def test_the_export_check_catches_feeding(source: str):
    assert export_violations(source)


def test_the_export_check_allows_reading():
    source = "from vrrpd.protocol.actions import State\ndef f(r):\n    return r.router.state\n"
    assert export_violations(source) == []
