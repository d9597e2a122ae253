"""The [metrics] section: listen address forms, textfile path, interval, and every bad value."""

from __future__ import annotations

import pytest

from vrrpd.config import HttpListen, parse_config
from vrrpd.config.metrics import DEFAULT_PORT


def metrics_toml(make_instance, body: str) -> str:
    return "[metrics]\n" + body + "\n" + make_instance()


def test_no_metrics_section_means_no_metrics(make_instance):
    assert parse_config(make_instance(), "test.toml").metrics is None


def test_defaults_with_textfile_only(make_instance):
    text = metrics_toml(make_instance, 'textfile = "/var/lib/node_exporter/vrrpd.prom"')
    metrics = parse_config(text, "test.toml").metrics
    assert metrics.listen is None
    assert metrics.textfile == "/var/lib/node_exporter/vrrpd.prom"
    assert metrics.textfile_interval == 15.0


@pytest.mark.parametrize(
    ("listen", "expected"),
    [
        ("127.0.0.1:9650", HttpListen(host="127.0.0.1", port=9650)),
        ("[::1]:9650", HttpListen(host="::1", port=9650)),
        ("[2001:db8::1]:1", HttpListen(host="2001:db8::1", port=1)),
        (":9650", HttpListen(host=None, port=9650)),
        ("0.0.0.0:65535", HttpListen(host="0.0.0.0", port=65535)),
        ("127.0.0.1", HttpListen(host="127.0.0.1", port=DEFAULT_PORT)),
        ("[::1]", HttpListen(host="::1", port=DEFAULT_PORT)),
    ],
)
def test_listen_forms(make_instance, listen, expected):
    text = metrics_toml(make_instance, f'listen = "{listen}"\ntextfile_interval = 2')
    metrics = parse_config(text, "test.toml").metrics
    assert metrics.listen == expected
    assert metrics.textfile is None
    assert metrics.textfile_interval == 2.0


def test_empty_section_is_an_error(only_problem, make_instance):
    assert only_problem(metrics_toml(make_instance, "")) == (
        "metrics",
        "set listen, textfile or both (or leave the [metrics] section out)",
    )


@pytest.mark.parametrize(
    ("listen", "start"),
    [
        ("9650", "'9650' must be ADDRESS:PORT"),
        ("", "'' must be ADDRESS:PORT"),
        ("localhost", "'localhost' must be ADDRESS:PORT"),
        ("[192.0.2.1]", "'[192.0.2.1]' must be ADDRESS:PORT"),
        ("localhost:9650", "'localhost' in 'localhost:9650' is not an IP address"),
        ("192.0.2.300:9650", "'192.0.2.300' in '192.0.2.300:9650' is not an IP address"),
        ("::1:9650", "'::1:9650': put an IPv6 address in brackets"),
        ("[192.0.2.1]:9650", "'192.0.2.1' in '[192.0.2.1]:9650' is not an IPv6 address"),
        ("127.0.0.1:0", "port '0' in '127.0.0.1:0' must be 1..65535"),
        ("127.0.0.1:65536", "port '65536' in '127.0.0.1:65536' must be 1..65535"),
        ("127.0.0.1:", "port '' in '127.0.0.1:' must be 1..65535"),
        ("127.0.0.1:http", "port 'http' in '127.0.0.1:http' must be 1..65535"),
        ("127.0.0.1:-1", "port '-1' in '127.0.0.1:-1' must be 1..65535"),
        ("127.0.0.1:９６５０", "port '９６５０' in '127.0.0.1:９６５０' must be 1..65535"),
    ],
)
def test_bad_listen(only_problem, make_instance, listen, start):
    path, message = only_problem(metrics_toml(make_instance, f'listen = "{listen}"'))
    assert path == "metrics.listen"
    assert message.startswith(start), message


@pytest.mark.parametrize(
    ("textfile", "start"),
    [
        ("vrrpd.prom", "'vrrpd.prom' must be an absolute path"),
        ("", "'' must be an absolute path"),
        (
            "/var/lib/node_exporter/vrrpd.txt",
            "'/var/lib/node_exporter/vrrpd.txt' must name a "
            "file ending in '.prom' (node_exporter's textfile collector reads only those)",
        ),
        ("/var/lib/node_exporter/", "'/var/lib/node_exporter/' must name a file ending in"),
        ("/var/lib/node_exporter/.prom", "'/var/lib/node_exporter/.prom' must name a file"),
        ("/var/lib/\\u0000x.prom", "must not contain a NUL character"),
    ],
)
def test_bad_textfile(only_problem, make_instance, textfile, start):
    path, message = only_problem(metrics_toml(make_instance, f'textfile = "{textfile}"'))
    assert path == "metrics.textfile"
    assert message.startswith(start), message


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0.5", "0.5"),
        ("0", "0.0"),
        ("3601", "3601.0"),
        ("nan", "nan"),
        ("inf", "inf"),
        ("-1", "-1.0"),
    ],
)
def test_bad_textfile_interval(only_problem, make_instance, value, shown):
    body = f'textfile = "/tmp/v.prom"\ntextfile_interval = {value}'
    assert only_problem(metrics_toml(make_instance, body)) == (
        "metrics.textfile_interval",
        f"must be 1..3600 seconds, got {shown}",
    )


def test_wrong_types_and_unknown_keys(problems_in, make_instance):
    body = 'listen = 9650\ntextfile = true\ntextfile_intervall = 5\ntextfile_interval = "5"'
    found = problems_in(metrics_toml(make_instance, body))
    paths = [path for path, _ in found]
    assert paths == ["metrics.listen", "metrics.textfile", "metrics", "metrics.textfile_interval"]
    assert "did you mean 'textfile_interval'" in found[2][1]


def test_metrics_must_be_a_table(only_problem, make_instance):
    path, _message = only_problem('metrics = "127.0.0.1:9650"\n' + make_instance())
    assert path == "metrics"


def test_every_problem_at_once(problems_in, make_instance):
    body = 'listen = "x"\ntextfile = "rel.prom"\ntextfile_interval = 0'
    paths = [path for path, _ in problems_in(metrics_toml(make_instance, body))]
    assert paths == ["metrics.listen", "metrics.textfile", "metrics.textfile_interval"]
