"""VIP adds and removes of one loop iteration sent to the kernel as one netlink datagram.

When a master goes away, every instance of the backup takes over in the same few wake-ups
and asks for its VIPs at once. One pyroute2 request per VIP costs ~0.5 ms of Python each
(request building and answer parsing), so 255 instances queued ~125 ms of work behind the
last VIP; the kernel itself needs ~10 µs per address. The batcher encodes the messages with
struct, sends those asked for in the same iteration together (at most MAX_BATCH per
datagram, one datagram in flight, so the acks always fit the receive buffer) and hands each
caller the errno of its own ack, matched by sequence number. Meaning and errors stay with the
caller (vrrpd.io.netlink.Netlink): this module only says "the kernel answered N".
"""

from __future__ import annotations

import asyncio
import errno
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Interface, IPv6Interface
from typing import Protocol

MAX_BATCH = 64  # messages per datagram; their acks (~1 KiB of buffer each) stay well in rcvbuf
ANSWER_TIMEOUT = 5.0  # a request without an ack by then fails (the kernel answers in µs)
RECV_SIZE = 65536

RTM_NEWADDR = 20
RTM_DELADDR = 21
NLMSG_ERROR = 2
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
IFA_ADDRESS = 1
IFA_LOCAL = 2
IFA_LABEL = 3
IFA_FLAGS = 8
IFA_PROTO = 11
IFA_F_NODAD = 0x02

_HEADER = struct.Struct("=IHHII")  # nlmsghdr: length, type, flags, seq, port id
_IFADDRMSG = struct.Struct("=BBBBI")  # family, prefix length, flags, scope, index
_ATTR = struct.Struct("=HH")
_ERRNO = struct.Struct("=i")

IPInterface = IPv4Interface | IPv6Interface


def _attr(kind: int, data: bytes) -> bytes:
    size = _ATTR.size + len(data)
    return _ATTR.pack(size, kind) + data + b"\0" * (-size % 4)


@dataclass(frozen=True, slots=True)
class AddrMessage:
    """One RTM_NEWADDR/RTM_DELADDR without its header (the batcher numbers it)."""

    kind: int
    flags: int
    body: bytes


def add_message(ifindex: int, vip: IPInterface, *, proto: int,
                label: str | None = None) -> AddrMessage:
    """RTM_NEWADDR as pyroute2 sends it: IPv4 with IFA_LOCAL = IFA_ADDRESS (and a label);
    IPv6 with IFA_F_NODAD; both with IFA_PROTO `proto`. EEXIST if it is there."""
    attrs = _address_attrs(vip) + _attr(IFA_PROTO, bytes([proto]))
    if label is not None:
        attrs += _attr(IFA_LABEL, label.encode() + b"\0")
    if vip.version == 6:
        attrs += _attr(IFA_FLAGS, struct.pack("=I", IFA_F_NODAD))
    return AddrMessage(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE,
                       _ifaddrmsg(ifindex, vip) + attrs)


def remove_message(ifindex: int, vip: IPInterface) -> AddrMessage:
    """RTM_DELADDR of that address and prefix length; EADDRNOTAVAIL if it is not there."""
    return AddrMessage(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK,
                       _ifaddrmsg(ifindex, vip) + _address_attrs(vip))


def _ifaddrmsg(ifindex: int, vip: IPInterface) -> bytes:
    family = socket.AF_INET if vip.version == 4 else socket.AF_INET6
    return _IFADDRMSG.pack(family, vip.network.prefixlen, 0, 0, ifindex)


def _address_attrs(vip: IPInterface) -> bytes:
    packed = vip.ip.packed
    if vip.version == 4:  # IFA_LOCAL is the address itself; IFA_ADDRESS the peer (the same)
        return _attr(IFA_ADDRESS, packed) + _attr(IFA_LOCAL, packed)
    return _attr(IFA_ADDRESS, packed)


class NetlinkSocket(Protocol):
    """What the batcher uses of a bound NETLINK_ROUTE socket (tests pass a fake)."""

    def fileno(self) -> int: ...

    def setblocking(self, flag: bool) -> None: ...

    def send(self, data: bytes) -> int: ...

    def recv(self, size: int) -> bytes: ...

    def close(self) -> None: ...


def open_route_socket() -> socket.socket:
    """A NETLINK_ROUTE socket in this namespace, bound to a port id the kernel picks."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC,
                         socket.NETLINK_ROUTE)
    return bind_route_socket(sock)


def bind_route_socket(sock: socket.socket) -> socket.socket:
    try:
        sock.bind((0, 0))
    except OSError:
        sock.close()
        raise
    return sock


@dataclass(eq=False, slots=True)
class _Pending:
    message: AddrMessage
    future: asyncio.Future[int]
    seq: int = field(default=0)


class AddressBatcher:
    """Sends queued address messages together and resolves each with its ack's errno.

    `open_socket` makes the netlink socket on the first request (its errors, OSError, go to
    that request). request() returns 0 when the kernel did it, else the positive errno.
    """

    def __init__(self, open_socket: Callable[[], NetlinkSocket], *,
                 max_batch: int = MAX_BATCH, timeout: float = ANSWER_TIMEOUT) -> None:
        if max_batch < 1 or timeout <= 0:
            raise ValueError("max_batch must be >= 1 and timeout > 0")
        self._open = open_socket
        self._max_batch = max_batch
        self._timeout = timeout
        self._sock: NetlinkSocket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: list[_Pending] = []  # not sent yet, in request order
        self._inflight: dict[int, _Pending] = {}  # sent, by sequence number
        self._flush_handle: asyncio.Handle | None = None
        self._seq = 0

    async def request(self, message: AddrMessage) -> int:
        """Queue `message` for this iteration's datagram; the errno of its ack (0 = done)."""
        loop = asyncio.get_running_loop()
        if self._sock is None:
            self._connect(loop)
        pending = _Pending(message, loop.create_future())
        self._queue.append(pending)
        if self._flush_handle is None and not self._inflight:
            self._flush_handle = loop.call_soon(self._flush)
        try:
            return await asyncio.wait_for(pending.future, self._timeout)
        except TimeoutError:
            raise OSError(errno.ETIMEDOUT, f"no answer from the kernel within "
                                           f"{self._timeout:g} s") from None
        finally:
            self._forget(pending)

    def close(self) -> None:
        """Fail whatever waits and close the socket."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        for pending in [*self._queue, *self._inflight.values()]:
            _fail(pending, OSError(errno.EBADF, "netlink session closed"))
        self._queue.clear()
        self._inflight.clear()
        if self._sock is not None:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None

    def _connect(self, loop: asyncio.AbstractEventLoop) -> None:
        sock = self._open()
        try:
            sock.setblocking(False)
            loop.add_reader(sock.fileno(), self._on_readable)
        except BaseException:
            sock.close()
            raise
        self._sock, self._loop = sock, loop

    def _forget(self, pending: _Pending) -> None:
        """A request that returned, failed or was cancelled stops holding up the next
        datagram; one still queued is skipped when its turn comes (its future is done)."""
        if self._inflight.get(pending.seq) is pending:
            del self._inflight[pending.seq]
            if not self._inflight:
                self._next()

    def _next(self) -> None:
        """Schedule the next datagram if requests are waiting and none is in flight."""
        if self._queue and self._flush_handle is None and self._loop is not None:
            self._flush_handle = self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        """Send up to max_batch queued messages as one datagram; read the acks already there."""
        self._flush_handle = None
        if self._sock is None or self._inflight:
            return
        batch = [p for p in self._queue[:self._max_batch] if not p.future.done()]
        del self._queue[:self._max_batch]
        if not batch:
            self._next()
            return
        parts = []
        for pending in batch:
            self._seq = self._seq % 0xFFFFFFFF + 1
            pending.seq = self._seq
            message = pending.message
            parts.append(_HEADER.pack(_HEADER.size + len(message.body), message.kind,
                                      message.flags, pending.seq, 0) + message.body)
            self._inflight[pending.seq] = pending
        try:
            self._sock.send(b"".join(parts))
        except OSError as exc:
            self._fail_inflight(exc)
            return
        self._on_readable()  # rtnetlink answers while send() runs: the acks are queued

    def _on_readable(self) -> None:
        while self._sock is not None:
            try:
                data = self._sock.recv(RECV_SIZE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # ENOBUFS: acks were dropped, nobody can tell whose
                self._fail_inflight(exc)
                return
            if not data:
                return
            self._acks(data)

    def _acks(self, data: bytes) -> None:
        offset = 0
        while offset + _HEADER.size <= len(data):
            length, kind, _flags, seq, _port = _HEADER.unpack_from(data, offset)
            if length < _HEADER.size:
                break  # malformed: nothing after it can be framed
            if kind == NLMSG_ERROR and length >= _HEADER.size + _ERRNO.size:
                pending = self._inflight.pop(seq, None)
                if pending is not None and not pending.future.done():
                    pending.future.set_result(-_ERRNO.unpack_from(data, offset + _HEADER.size)[0])
            offset += (length + 3) & ~3
        if not self._inflight:
            self._next()

    def _fail_inflight(self, exc: OSError) -> None:
        for pending in self._inflight.values():
            _fail(pending, OSError(exc.errno, exc.strerror or str(exc)))
        self._inflight.clear()
        self._next()


def _fail(pending: _Pending, exc: OSError) -> None:
    if not pending.future.done():
        pending.future.set_exception(exc)
