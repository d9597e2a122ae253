"""The vrrpd config file: TOML in, validated frozen objects out.

`load_config(path)` / `parse_config(text, source)` return a `Config` or raise
`ConfigError`, whose `problems` list every mistake as (`path.to.key`, message).
Reading is layered so that each layer can grow on its own: `schema` (which keys exist),
`structure` (types, unknown keys), `sections` / `instance` / `addresses` (meaning),
`loader` (the order of it all and the checks across instances), `model` (the result).
"""

from vrrpd.config.errors import ConfigError, ConfigProblem, ConfigWarning
from vrrpd.config.loader import load_config, parse_config
from vrrpd.config.model import (
    Config,
    GlobalConfig,
    HttpListen,
    InstanceConfig,
    MetricsConfig,
    MqttConfig,
    VirtualIp,
)

__all__ = [
    "Config",
    "ConfigError",
    "ConfigProblem",
    "ConfigWarning",
    "GlobalConfig",
    "HttpListen",
    "InstanceConfig",
    "MetricsConfig",
    "MqttConfig",
    "VirtualIp",
    "load_config",
    "parse_config",
]
