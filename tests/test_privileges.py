"""Capability check before start-up."""

from __future__ import annotations

from vrrpd.privileges import effective_capabilities, missing_capabilities

ROOT = "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n"
NONE = "Name:\tx\nCapEff:\t0000000000000000\n"
RAW_ONLY = "Name:\tx\nCapEff:\t0000000000002000\n"


def test_parse_capeff():
    assert effective_capabilities(ROOT) == 0x1FFFFFFFFFF
    assert effective_capabilities("CapEff:\tzz\n") is None
    assert effective_capabilities("nothing") is None


def test_missing(tmp_path):
    for text, want in ((ROOT, []), (NONE, ["CAP_NET_ADMIN", "CAP_NET_RAW"]),
                       (RAW_ONLY, ["CAP_NET_ADMIN"])):
        p = tmp_path / "status"
        p.write_text(text)
        assert missing_capabilities(str(p)) == want


def test_unreadable_status_defers_to_the_kernel(tmp_path):
    assert missing_capabilities(str(tmp_path / "absent")) == []
