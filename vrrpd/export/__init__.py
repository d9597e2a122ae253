"""Observers: read status and transitions, never feed a Router (MQTT, Prometheus, sd_notify)."""
