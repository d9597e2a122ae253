"""The control socket: server (in the daemon), client and rendering of `vrrpd status`."""
