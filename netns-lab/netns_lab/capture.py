"""Packet capture in a lab namespace with tcpdump, read back with a stdlib pcap reader."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import LabError
from .processes import LabProcess, wait_for_log

if TYPE_CHECKING:
    from .host import Netns

VRRP_FILTER = "ip proto 112 or ip6 proto 112"
_MAGIC = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}


@dataclass(frozen=True)
class Frame:
    timestamp: float  # wall-clock seconds, as tcpdump records it
    data: bytes  # the whole Ethernet frame


def read_pcap(path: Path | str) -> list[Frame]:
    """Frames of a classic pcap file (either byte order, µs or ns timestamps)."""
    data = Path(path).read_bytes()
    if len(data) < 24 or data[:4] not in _MAGIC:
        raise LabError(f"{path} is not a pcap file")
    order, unit = _MAGIC[data[:4]]
    frames, offset = [], 24
    while offset < len(data):
        if offset + 16 > len(data):
            raise LabError(f"{path}: truncated record header at byte {offset}")
        sec, frac, caplen, _ = struct.unpack(f"{order}IIII", data[offset : offset + 16])
        offset += 16
        if offset + caplen > len(data):
            raise LabError(f"{path}: truncated frame at byte {offset}")
        frames.append(Frame(sec + frac * unit, data[offset : offset + caplen]))
        offset += caplen
    return frames


class Capture:
    """A running tcpdump writing to `pcap_path`; stop() returns the captured frames."""

    def __init__(self, process: LabProcess, pcap_path: Path) -> None:
        self.process = process
        self.pcap_path = pcap_path

    def stop(self, timeout: float = 3.0) -> list[Frame]:
        self.process.stop(timeout)
        return read_pcap(self.pcap_path)


def start_capture(
    netns: Netns,
    *,
    pcap_path: Path,
    name: str,
    bpf: str = VRRP_FILTER,
    interface: str = "eth0",
    timeout: float = 5.0,
) -> Capture:
    """Start tcpdump and return once it is listening (so nothing sent afterwards is missed)."""
    # -Z root: tcpdump would otherwise drop to its own user and fail to write into the lab dir
    argv = ["tcpdump", "-Z", "root", "-i", interface, "-U", "-n", "-s", "0", "-w", str(pcap_path)]
    argv.append(bpf)
    process = netns.popen(argv, name=name)
    wait_for_log(process, r"listening on", timeout)
    return Capture(process, pcap_path)
