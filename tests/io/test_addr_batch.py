"""AddressBatcher and the VIP calls of Netlink over a fake kernel (no namespace needed).

The fake is one end of an AF_UNIX datagram pair: what the batcher sends is decoded and
answered on the other end, one ack datagram per message, like rtnetlink does (at once, in
another order, or not at all).
"""

from __future__ import annotations

import asyncio
import errno
import socket
import struct
from collections.abc import Callable
from ipaddress import ip_interface

import pytest
from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg

from vrrpd.io import addr_batch
from vrrpd.io.addr_batch import (
    NLM_F_ACK,
    NLM_F_CREATE,
    NLM_F_EXCL,
    NLM_F_REQUEST,
    RTM_DELADDR,
    RTM_NEWADDR,
    AddressBatcher,
    add_message,
    remove_message,
)
from vrrpd.io.errors import InterfaceMissing, NeedPrivilege, NetlinkFailure
from vrrpd.io.netlink import VRRPD_ADDR_PROTO, Netlink

HEADER = struct.Struct("=IHHII")
VIPS = [ip_interface(f"198.51.100.{host}/32") for host in range(1, 8)]

Answer = Callable[[int, int, bytes], int | None]  # kind, seq, body -> errno, None = no ack


class FakeKernel:
    """A netlink socket whose kernel answers each message with answer(kind, seq, body)."""

    def __init__(self, answer: Answer = lambda kind, seq, body: 0, *,
                 reverse: bool = False) -> None:
        self.ours, self.peer = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.answer = answer
        self.reverse = reverse  # ack the datagram's messages last to first
        self.datagrams: list[list[tuple[int, int, int, bytes]]] = []
        self.held: list[bytes] = []  # acks answer() chose to delay (see release())
        self.send_error: OSError | None = None
        self.opened = 0

    def open(self) -> FakeKernel:
        self.opened += 1
        return self

    # -- the socket the batcher sees --------------------------------------------------
    def fileno(self) -> int:
        return self.ours.fileno()

    def setblocking(self, flag: bool) -> None:
        self.ours.setblocking(flag)

    def recv(self, size: int) -> bytes:
        return self.ours.recv(size)

    def close(self) -> None:
        self.ours.close()
        self.peer.close()

    def send(self, data: bytes) -> int:
        if self.send_error is not None:
            raise self.send_error
        messages = []
        offset = 0
        while offset < len(data):
            length, kind, flags, seq, _port = HEADER.unpack_from(data, offset)
            messages.append((kind, flags, seq, data[offset + HEADER.size:offset + length]))
            offset += length
        self.datagrams.append(messages)
        for kind, _flags, seq, body in reversed(messages) if self.reverse else messages:
            code = self.answer(kind, seq, body)
            if code is not None:
                self.peer.send(ack(seq, code))
        return len(data)

    def release(self, seq: int, code: int) -> None:
        """An ack arriving later, as a separate read."""
        self.peer.send(ack(seq, code))

    @property
    def sizes(self) -> list[int]:
        return [len(d) for d in self.datagrams]


def ack(seq: int, code: int) -> bytes:
    payload = struct.pack("=i", -code) + HEADER.pack(16, RTM_NEWADDR, 0, seq, 0)
    return HEADER.pack(HEADER.size + len(payload), 2, 0, seq, 1234) + payload


def decoded(body: bytes) -> ifaddrmsg:
    """An ifaddrmsg body (without nlmsghdr) as pyroute2 reads it."""
    msg = ifaddrmsg(HEADER.pack(HEADER.size + len(body), 0, 0, 1, 0) + body)
    msg.decode()
    return msg


def address_of(body: bytes) -> str:
    return decoded(body).get_attr("IFA_ADDRESS")


def run(coro):
    async def bounded():
        return await asyncio.wait_for(coro, 5)

    return asyncio.run(bounded())


# -- encoding ---------------------------------------------------------------------------------

def test_add_message_decodes_as_pyroute2_builds_it():
    v4 = add_message(3, ip_interface("198.51.100.7/24"), proto=VRRPD_ADDR_PROTO, label="eth0:v")
    v6 = add_message(3, ip_interface("2001:db8::7/64"), proto=VRRPD_ADDR_PROTO)
    assert v4.kind == v6.kind == RTM_NEWADDR
    assert v4.flags == NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE
    msg = decoded(v4.body)
    assert (msg["family"], msg["prefixlen"], msg["index"], msg["scope"]) == (
        socket.AF_INET, 24, 3, 0)
    assert msg.get_attr("IFA_LOCAL") == msg.get_attr("IFA_ADDRESS") == "198.51.100.7"
    assert msg.get_attr("IFA_LABEL") == "eth0:v"
    assert msg.get_attr("IFA_PROTO") == VRRPD_ADDR_PROTO
    msg = decoded(v6.body)
    assert (msg["family"], msg["prefixlen"]) == (socket.AF_INET6, 64)
    assert msg.get_attr("IFA_ADDRESS") == "2001:db8::7"
    assert msg.get_attr("IFA_FLAGS") == addr_batch.IFA_F_NODAD
    assert msg.get_attr("IFA_LOCAL") is None


def test_remove_message_names_address_and_prefix_only():
    message = remove_message(5, ip_interface("198.51.100.7/32"))
    assert (message.kind, message.flags) == (RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK)
    msg = decoded(message.body)
    assert (msg["prefixlen"], msg["index"], msg.get_attr("IFA_LOCAL")) == (
        32, 5, "198.51.100.7")
    assert msg.get_attr("IFA_PROTO") is None


# -- batching ---------------------------------------------------------------------------------

def test_requests_of_one_iteration_go_out_as_one_datagram_each_with_its_own_answer():
    exists = {"198.51.100.2", "198.51.100.5"}
    kernel = FakeKernel(lambda kind, seq, body: errno.EEXIST if address_of(body) in exists
                        else 0, reverse=True)  # acks come back in another order

    async def scenario():
        batcher = AddressBatcher(kernel.open)
        try:
            return await asyncio.gather(*(batcher.request(add_message(2, vip, proto=1))
                                          for vip in VIPS))
        finally:
            batcher.close()

    assert run(scenario()) == [errno.EEXIST if str(v.ip) in exists else 0 for v in VIPS]
    assert kernel.sizes == [len(VIPS)]
    assert [address_of(body) for *_, body in kernel.datagrams[0]] == [str(v.ip) for v in VIPS]
    assert len({seq for _, _, seq, _ in kernel.datagrams[0]}) == len(VIPS)
    assert kernel.opened == 1


def test_more_than_max_batch_requests_are_split_one_datagram_at_a_time():
    kernel = FakeKernel()

    async def scenario():
        batcher = AddressBatcher(kernel.open, max_batch=3)
        try:
            return await asyncio.gather(*(batcher.request(remove_message(2, vip))
                                          for vip in VIPS))
        finally:
            batcher.close()

    assert run(scenario()) == [0] * len(VIPS)
    assert kernel.sizes == [3, 3, 1]


def test_a_late_ack_is_read_when_it_arrives_and_the_next_batch_waits_for_it():
    kernel = FakeKernel(lambda kind, seq, body: None)  # answers nothing by itself

    async def scenario():
        batcher = AddressBatcher(kernel.open, max_batch=1)
        first = asyncio.ensure_future(batcher.request(remove_message(2, VIPS[0])))
        second = asyncio.ensure_future(batcher.request(remove_message(2, VIPS[1])))
        await asyncio.sleep(0.05)
        sent_while_waiting = kernel.sizes
        kernel.release(kernel.datagrams[0][0][2], errno.EADDRNOTAVAIL)
        answer = await first
        await asyncio.sleep(0.05)
        kernel.release(kernel.datagrams[1][0][2], 0)
        results = answer, await second
        batcher.close()
        return sent_while_waiting, results

    assert run(scenario()) == ([1], (errno.EADDRNOTAVAIL, 0))


def test_a_request_without_answer_times_out_and_the_batcher_goes_on():
    kernel = FakeKernel(lambda kind, seq, body: None if address_of(body) == "198.51.100.1"
                        else 0)

    async def scenario():
        batcher = AddressBatcher(kernel.open, timeout=0.1)
        try:
            with pytest.raises(OSError, match="no answer from the kernel within 0.1 s") as info:
                await batcher.request(remove_message(2, VIPS[0]))
            assert info.value.errno == errno.ETIMEDOUT
            kernel.release(kernel.datagrams[0][0][2], 0)  # too late: ignored
            return await batcher.request(remove_message(2, VIPS[1]))
        finally:
            batcher.close()

    assert run(scenario()) == 0
    assert kernel.sizes == [1, 1]


def test_a_send_error_fails_that_datagram_only():
    kernel = FakeKernel()

    async def scenario():
        batcher = AddressBatcher(kernel.open)
        kernel.send_error = OSError(errno.ENOBUFS, "No buffer space available")
        failed = await asyncio.gather(batcher.request(remove_message(2, VIPS[0])),
                                      batcher.request(remove_message(2, VIPS[1])),
                                      return_exceptions=True)
        kernel.send_error = None
        later = await batcher.request(remove_message(2, VIPS[2]))
        batcher.close()
        return failed, later

    failed, later = run(scenario())
    assert [(type(e), e.errno) for e in failed] == [(OSError, errno.ENOBUFS)] * 2
    assert later == 0


def test_a_request_cancelled_while_queued_is_not_sent():
    kernel = FakeKernel(lambda kind, seq, body: None if address_of(body) == "198.51.100.1"
                        else 0)

    async def scenario():
        batcher = AddressBatcher(kernel.open)
        first = asyncio.ensure_future(batcher.request(remove_message(2, VIPS[0])))
        await asyncio.sleep(0.01)  # in flight, unanswered: the next ones queue behind it
        gone = asyncio.ensure_future(batcher.request(remove_message(2, VIPS[1])))
        kept = asyncio.ensure_future(batcher.request(remove_message(2, VIPS[2])))
        await asyncio.sleep(0.01)
        gone.cancel()
        await asyncio.sleep(0.01)
        kernel.release(kernel.datagrams[0][0][2], 0)
        answers = await first, await kept
        batcher.close()
        return answers

    assert run(scenario()) == (0, 0)
    assert [[address_of(body) for *_, body in d] for d in kernel.datagrams] == [
        ["198.51.100.1"], ["198.51.100.3"]]


def test_closing_fails_what_still_waits():
    kernel = FakeKernel(lambda kind, seq, body: None)

    async def scenario():
        batcher = AddressBatcher(kernel.open)
        waiting = asyncio.ensure_future(batcher.request(remove_message(2, VIPS[0])))
        await asyncio.sleep(0.01)
        batcher.close()
        with pytest.raises(OSError, match="closed"):
            await waiting

    run(scenario())


def test_an_unopenable_socket_fails_the_request():
    def refuse():
        raise PermissionError(errno.EPERM, "Operation not permitted")

    async def scenario():
        await AddressBatcher(refuse).request(remove_message(2, VIPS[0]))

    with pytest.raises(PermissionError):
        run(scenario())


@pytest.mark.parametrize(("max_batch", "timeout"), [(0, 1.0), (1, 0.0)])
def test_bounds_must_be_positive(max_batch, timeout):
    with pytest.raises(ValueError, match="max_batch"):
        AddressBatcher(FakeKernel().open, max_batch=max_batch, timeout=timeout)


# -- Netlink's VIP calls over the batcher -----------------------------------------------------

CODES = {"198.51.100.1": 0, "198.51.100.2": errno.EEXIST, "198.51.100.3": errno.ENODEV,
         "198.51.100.4": errno.EPERM, "198.51.100.5": errno.EINVAL,
         "198.51.100.6": errno.EADDRNOTAVAIL}


def netlink_results(call: str, monkeypatch) -> tuple[list, FakeKernel]:
    kernel = FakeKernel(lambda kind, seq, body: CODES[address_of(body)])
    monkeypatch.setattr(Netlink, "_route_socket", lambda self: kernel.open())

    async def scenario():
        async with Netlink() as nl:
            return await asyncio.gather(*(getattr(nl, call)(7, vip) for vip in VIPS[:6]),
                                        return_exceptions=True)

    return run(scenario()), kernel


def test_add_vip_errors_fail_only_their_own_request(monkeypatch):
    results, kernel = netlink_results("add_vip", monkeypatch)
    assert kernel.sizes == [6]
    assert results[:2] == [True, False]  # EEXIST: it was there
    assert isinstance(results[2], InterfaceMissing)
    assert str(results[2]) == "interface 7 not found (adding 198.51.100.3/32)"
    assert isinstance(results[3], NeedPrivilege)
    assert str(results[3]) == ("adding 198.51.100.4/32: permission denied "
                               "(need root or CAP_NET_ADMIN)")
    assert isinstance(results[4], NetlinkFailure)
    assert results[4].code == errno.EINVAL
    assert str(results[4]) == "adding 198.51.100.5/32: (22, 'Invalid argument')"
    assert isinstance(results[5], NetlinkFailure)  # EADDRNOTAVAIL means nothing to an add


def test_remove_vip_reports_absent_and_keeps_error_types(monkeypatch):
    results, _ = netlink_results("remove_vip", monkeypatch)
    assert results[0] is True
    assert isinstance(results[1], NetlinkFailure)  # EEXIST means nothing to a remove
    assert isinstance(results[2], InterfaceMissing)
    assert str(results[2]) == "interface 7 not found (removing 198.51.100.3/32)"
    assert isinstance(results[3], NeedPrivilege)
    assert results[5] is False  # EADDRNOTAVAIL: it was not there


def test_vip_call_outside_the_context_manager_is_refused():
    with pytest.raises(RuntimeError, match="async with"):
        run(Netlink().add_vip(7, VIPS[0]))


def test_socket_failure_is_a_netlink_failure(monkeypatch):
    def refuse(self):
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(Netlink, "_route_socket", refuse)

    async def scenario():
        async with Netlink() as nl:
            await nl.remove_vip(7, VIPS[0])

    with pytest.raises(NetlinkFailure, match="removing 198.51.100.1/32: Too many open files"):
        run(scenario())
