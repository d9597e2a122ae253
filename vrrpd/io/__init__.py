"""The asyncio shell's adapters: one module per outside thing.

rawsock (VRRP over raw IP sockets), netlink (addresses and links via pyroute2), garp
(gratuitous ARP / unsolicited NA frames). Import the submodule you need: this package
imports nothing heavy, so `vrrpd status` stays free of scapy and pyroute2.
"""
