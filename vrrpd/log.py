"""Logging set-up: native journal fields under systemd, console lines on a terminal, JSON
lines otherwise.

Under systemd (stderr is the journal stream named by JOURNAL_STREAM, or `[log] journald =
true`) each record goes to journald natively (vrrpd.export.journald): MESSAGE, PRIORITY,
SYSLOG_IDENTIFIER and one VRRP_<KEY> field per log key (VRRP_INSTANCE, VRRP_STATE,
VRRP_OLD_STATE, VRRP_REASON, ...). Without a journal socket, and for any entry journald cannot
take at once, the JSON line goes to stderr with a syslog priority prefix (`<3>`, `<4>`, ...)
so journald still keeps the level.

A transition is named the same everywhere: `state` and `old_state` (logs, MQTT, status; the
hooks' VRRPD_STATE / VRRPD_OLD_STATE). Logs also keep `new`/`old` and MQTT `previous` for
existing readers.
"""

from __future__ import annotations

import json as jsonlib
import logging
import os
import sys
from typing import Any

import structlog
from structlog.typing import FilteringBoundLogger

from vrrpd.export.journald import IDENTIFIER, JOURNAL_SOCKET, JournalSocket, available, field_name

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
          "error": logging.ERROR}
_SYSLOG_PRIORITY = {"debug": 7, "info": 6, "warning": 4, "error": 3, "critical": 2}
_SKIP = {"event", "level", "timestamp"}
_ALIASES = {"new": "state", "old": "old_state"}  # kept in JSON lines, not twice in the journal


def _under_journald(stream: Any) -> bool:
    """True when our stderr is the journal stream systemd handed us."""
    journal = os.environ.get("JOURNAL_STREAM", "")
    if not journal or ":" not in journal:
        return False
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    dev, _, ino = journal.partition(":")
    return f"{st.st_dev}:{st.st_ino}" == f"{dev}:{ino}"


def _syslog_prefix(_logger: Any, method: str, rendered: str) -> str:
    return f"<{_SYSLOG_PRIORITY.get(method, 6)}>{rendered}"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else jsonlib.dumps(value, default=str)


def journal_fields(event: dict[str, Any], method: str) -> dict[str, str]:
    """A structlog event as journal fields (MESSAGE readable on its own)."""
    extra = {k: v for k, v in event.items() if k not in _SKIP
             and not (k in _ALIASES and _ALIASES[k] in event)}
    message = str(event.get("event", ""))
    if extra:
        message += " " + " ".join(f"{k}={_text(v)}" for k, v in extra.items())
    fields = {
        "MESSAGE": message,
        "PRIORITY": str(_SYSLOG_PRIORITY.get(method, 6)),
        "SYSLOG_IDENTIFIER": IDENTIFIER,
        "VRRP_EVENT": str(event.get("event", "")),
    }
    for key, value in extra.items():
        fields[field_name(key)] = _text(value)
    return fields


class _JournalRenderer:
    """Last processor: (journal fields, fallback line) for _JournalLogger."""

    def __init__(self) -> None:
        self._json = structlog.processors.JSONRenderer(sort_keys=False)

    def __call__(self, logger: Any, method: str, event: dict[str, Any]) -> Any:
        fields = journal_fields(event, method)
        line = _syslog_prefix(logger, method, self._json(logger, method, event))
        return (fields, line), {}


class _JournalLogger:
    """Sends each entry to journald; writes the plain line to `stream` if it cannot."""

    def __init__(self, journal: JournalSocket, stream: Any) -> None:
        self._journal = journal
        self._stream = stream

    def msg(self, fields: dict[str, str], line: str) -> None:
        if not self._journal.send(fields):
            print(line, file=self._stream, flush=True)

    debug = info = warning = warn = error = critical = exception = fatal = log = msg


_journal: JournalSocket | None = None


def configure(level: str = "info", *, stream: Any = None, json: bool | None = None,
              journald: bool | None = None, journal_socket: str = JOURNAL_SOCKET) -> bool:
    """Configure structlog once for the whole process; True when logging to journald.

    `json=None` picks JSON lines unless the stream is a terminal. `journald=None` writes to
    the journal when the stream is the journal stream; True always tries; False never.
    """
    global _journal
    stream = stream if stream is not None else sys.stderr
    if json is None:
        json = not (hasattr(stream, "isatty") and stream.isatty())
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    under = _under_journald(stream)
    if _journal is not None:
        _journal.close()
        _journal = None
    if journald or (journald is None and under):
        _journal = available(journal_socket)
    if _journal is not None:
        journal = _journal
        processors += [structlog.processors.format_exc_info, _JournalRenderer()]
        factory: Any = lambda *_args: _JournalLogger(journal, stream)  # noqa: E731
    elif json:
        processors += [structlog.processors.format_exc_info,
                       structlog.processors.JSONRenderer(sort_keys=False)]
        if under or journald:
            processors.append(_syslog_prefix)
        factory = structlog.PrintLoggerFactory(file=stream)
    else:
        processors.append(structlog.dev.ConsoleRenderer(colors=stream.isatty()))
        factory = structlog.PrintLoggerFactory(file=stream)
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(LEVELS.get(level, logging.INFO)),
        logger_factory=factory,
        cache_logger_on_first_use=False,
    )
    return _journal is not None


Logger = FilteringBoundLogger  # what get() hands out, for signatures across modules


def get(name: str = "vrrpd") -> Any:
    return structlog.get_logger(name)
