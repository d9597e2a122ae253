"""Sans-I/O VRRP core: codec, RFC 5798 state machine and timing maths.

Nothing in this package may import asyncio, socket, pyroute2 or scapy: the
io/ shell feeds it events with an explicit `now` and executes the actions it
returns, which is what makes every RFC rule testable on a fake clock.
"""
