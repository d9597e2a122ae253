"""vrrpd: a keepalived-class VRRP failover daemon in pure Python."""

__version__ = "0.1.0"
