"""The [global] and [mqtt] sections: defaults and every rule."""

from __future__ import annotations

import socket

import pytest

from vrrpd.config import MqttConfig, parse_config


def test_global_defaults(make_instance):
    config = parse_config(make_instance(), "test.toml")
    assert config.global_.router_id == socket.gethostname()
    assert config.global_.control_socket == "/run/vrrpd/vrrpd.sock"
    assert config.global_.log_level == "info"


def test_global_values(make_instance):
    text = (
        '[global]\nrouter_id = "lb-a"\ncontrol_socket = "/tmp/x.sock"\nlog_level = "debug"\n'
        + make_instance()
    )
    settings = parse_config(text, "test.toml").global_
    assert (settings.router_id, settings.control_socket, settings.log_level) == (
        "lb-a",
        "/tmp/x.sock",
        "debug",
    )


@pytest.mark.parametrize("router_id", ["", "lb a", "lb/a", "lb+", "lb#"])
def test_router_id_must_be_topic_safe(only_problem, make_instance, router_id):
    text = f'[global]\nrouter_id = "{router_id}"\n' + make_instance()
    path, message = only_problem(text)
    assert path == "global.router_id"
    assert message.startswith(f"{router_id!r} must be non-empty without spaces")


def test_control_socket_must_fit_sun_path(only_problem, make_instance):
    long_path = "/run/" + "x" * 103  # 108 bytes
    text = f'[global]\ncontrol_socket = "{long_path}"\n' + make_instance()
    assert only_problem(text) == (
        "global.control_socket",
        "is 108 bytes; Unix socket paths are limited to 107",
    )


def test_control_socket_of_107_bytes_fits(make_instance):
    path = "/run/" + "x" * 102
    text = f'[global]\ncontrol_socket = "{path}"\n' + make_instance()
    assert parse_config(text, "test.toml").global_.control_socket == path


def test_control_socket_must_not_be_empty(only_problem, make_instance):
    text = '[global]\ncontrol_socket = ""\n' + make_instance()
    assert only_problem(text) == ("global.control_socket", "must not be empty")


def test_log_level_choices(only_problem, make_instance):
    text = '[global]\nlog_level = "INFO"\n' + make_instance()
    assert only_problem(text) == (
        "global.log_level",
        "must be one of 'debug', 'info', 'warning', 'error', got 'INFO'",
    )


def test_mqtt_absent_is_none(make_instance):
    assert parse_config(make_instance(), "test.toml").mqtt is None


def test_mqtt_defaults(make_instance):
    config = parse_config('[mqtt]\nhost = "192.0.2.1"\n' + make_instance(), "test.toml")
    assert config.mqtt == MqttConfig(
        host="192.0.2.1",
        port=1883,
        topic_prefix="vrrpd",
        username=None,
        password=None,
        tls=False,
        ca_file=None,
        client_id=None,
        keepalive=30,
    )


def test_mqtt_all_keys(make_instance):
    text = (
        '[mqtt]\nhost = "broker.example"\nport = 8883\ntopic_prefix = "site/vrrpd"\n'
        'username = "u"\npassword = "p"\ntls = true\nca_file = "/etc/ssl/ca.pem"\n'
        'client_id = "lb-a"\nkeepalive = 60\n' + make_instance()
    )
    mqtt = parse_config(text, "test.toml").mqtt
    assert mqtt is not None
    assert (mqtt.port, mqtt.topic_prefix, mqtt.username, mqtt.password) == (
        8883,
        "site/vrrpd",
        "u",
        "p",
    )
    assert (mqtt.tls, mqtt.ca_file, mqtt.client_id, mqtt.keepalive) == (
        True,
        "/etc/ssl/ca.pem",
        "lb-a",
        60,
    )


@pytest.mark.parametrize(
    ("keys", "path", "message"),
    [
        ('host = ""', "mqtt.host", "must be a host name or address, got ''"),
        ('host = "a b"', "mqtt.host", "must be a host name or address, got 'a b'"),
        ("port = 0", "mqtt.port", "must be 1..65535, got 0"),
        ("port = 65536", "mqtt.port", "must be 1..65535, got 65536"),
        ('password = "p"', "mqtt.password", "is set but username is not"),
        (
            'ca_file = "/ca.pem"',
            "mqtt.ca_file",
            "is set but tls is false; set tls = true to use it",
        ),
        ('ca_file = ""\ntls = true', "mqtt.ca_file", "must not be empty"),
        (
            'client_id = ""',
            "mqtt.client_id",
            "must not be empty (leave it out to let the client pick one)",
        ),
        ("keepalive = 0", "mqtt.keepalive", "must be 1..65535 seconds, got 0"),
        ("keepalive = 65536", "mqtt.keepalive", "must be 1..65535 seconds, got 65536"),
    ],
)
def test_mqtt_rules(only_problem, make_instance, keys, path, message):
    if not keys.startswith("host"):
        keys = 'host = "192.0.2.1"\n' + keys
    assert only_problem(f"[mqtt]\n{keys}\n" + make_instance()) == (path, message)


@pytest.mark.parametrize("prefix", ["", "/vrrpd", "vrrpd/", "vr+rpd", "vrrpd/#", "$SYS"])
def test_mqtt_topic_prefix_must_be_a_plain_topic(only_problem, make_instance, prefix):
    text = f'[mqtt]\nhost = "h"\ntopic_prefix = "{prefix}"\n' + make_instance()
    path, message = only_problem(text)
    assert path == "mqtt.topic_prefix"
    assert message.startswith(f"{prefix!r} must be a topic like 'vrrpd' or 'site/vrrpd'")


def test_log_section(make_instance, only_problem):
    assert parse_config(make_instance(), "test.toml").log.journald is None  # auto
    on = parse_config("[log]\njournald = true\n" + make_instance(), "test.toml")
    assert on.log.journald is True
    path, _message = only_problem('[log]\njournald = "yes"\n' + make_instance())
    assert path == "log.journald"
    path, _message = only_problem("[log]\njournal = true\n" + make_instance())
    assert path == "log" and "did you mean 'journald'" in _message


def test_mqtt_discovery_keys(make_instance, only_problem):
    base = '[mqtt]\nhost = "127.0.0.1"\n'
    mqtt = parse_config(base + make_instance(), "test.toml").mqtt
    assert (mqtt.discovery, mqtt.discovery_prefix) == (False, "homeassistant")
    mqtt = parse_config(base + 'discovery = true\ndiscovery_prefix = "ha"\n' + make_instance(),
                        "test.toml").mqtt
    assert (mqtt.discovery, mqtt.discovery_prefix) == (True, "ha")
    for bad in ("", "ha/", "$ha", "h+a"):
        path, _message = only_problem(base + f'discovery_prefix = "{bad}"\n' + make_instance())
        assert path == "mqtt.discovery_prefix"
