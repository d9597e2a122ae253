"""Advert cadence under load: a 10 ms master while busy loops hold every core.

A backup takes over after 3 x 10 ms + Skew_Time (~36 ms) without an advert, so under load
the largest gap between two adverts is what decides a false takeover. The adverts are read
from a capture on the client (kernel timestamps, so tcpdump's own scheduling does not move
them); each variant runs the pair with and without real-time scheduling.
"""

from __future__ import annotations

import os
import socket
import sys
import time

from .bench_scale import held, start_daemon, wait_backups
from .bench_scale_plan import Instance
from .bench_scale_report import HogRun, hog_figures
from .capture import Frame
from .errors import LabError
from .lab import Lab
from .waiting import wait_until

HOG_VARIANTS = ("vrrpd", "vrrpd rt", "keepalived", "keepalived rt")
INTERVAL_S = 0.01
RT_PRIORITY = 50  # SCHED_RR priority of the "rt" variants (both daemons' own setting)
HOG_CODE = "while True: pass"


def advert_times(frames: list[Frame], source: str) -> list[float]:
    """Timestamps of IPv4 VRRP adverts from `source` with a priority above 0."""
    wanted = socket.inet_aton(source)
    times = []
    for frame in frames:
        data = frame.data
        if len(data) < 34 or data[12:14] != b"\x08\x00" or data[23] != 112:
            continue
        ihl = (data[14] & 0x0F) * 4
        if data[26:30] == wanted and len(data) >= 14 + ihl + 3 and data[14 + ihl + 2] > 0:
            times.append(frame.timestamp)
    return times


def run_hog(variant: str, prefix: str, duration: float) -> HogRun:
    if variant not in HOG_VARIANTS:
        raise ValueError(f"hog variant {variant!r} is not one of {HOG_VARIANTS}")
    impl, realtime = variant.split()[0], variant.endswith(" rt")
    run = HogRun(variant, duration)
    instances = [Instance("eth0", 4, 1, "198.51.100.1")]
    conf = {"realtime": RT_PRIORITY} if realtime else {}
    with Lab(prefix, hosts=("r1", "r2"), ipv6=False) as lab:
        try:
            start_daemon(lab, impl, "r1", instances, INTERVAL_S, **conf)
            wait_until(lambda: held(lab["r1"], ["198.51.100.1"]) == 1, 20, 0.05,
                       message="r1 master")
            backup = start_daemon(lab, impl, "r2", instances, INTERVAL_S, **conf)
            wait_backups(backup, impl, 1, 20)
            time.sleep(1.0)
            capture = lab.capture("client", bpf="ip proto 112")
            hogs = [lab.start("client", [sys.executable, "-c", HOG_CODE], name=f"hog{i}")
                    for i in range(os.cpu_count() or 2)]
            began = time.time()
            try:
                time.sleep(duration)
            finally:
                ended = time.time()
                for hog in hogs:
                    hog.stop()
            frames = capture.stop()
            hog_figures(run, advert_times(frames, lab["r1"].ipv4),
                        advert_times(frames, lab["r2"].ipv4), INTERVAL_S, began, ended)
            if not run.sent:
                raise LabError("no advert from r1 captured during the hog")
        except (LabError, ValueError) as exc:
            run.error = " ".join(str(exc).split())[:300]
    return run
