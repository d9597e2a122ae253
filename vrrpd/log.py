"""Logging set-up: console lines on a terminal, JSON lines otherwise.

Under systemd (JOURNAL_STREAM set) each JSON line is prefixed with a syslog
priority (`<3>`, `<4>`, `<6>`, `<7>`) so journald keeps the level.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import structlog
from structlog.typing import FilteringBoundLogger

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
          "error": logging.ERROR}
_SYSLOG_PRIORITY = {"debug": 7, "info": 6, "warning": 4, "error": 3, "critical": 2}


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


def configure(level: str = "info", *, stream: Any = None, json: bool | None = None) -> None:
    """Configure structlog once for the whole process.

    `json=None` picks JSON lines unless the stream is a terminal.
    """
    stream = stream if stream is not None else sys.stderr
    if json is None:
        json = not (hasattr(stream, "isatty") and stream.isatty())
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if json:
        processors += [structlog.processors.format_exc_info,
                       structlog.processors.JSONRenderer(sort_keys=False)]
        if _under_journald(stream):
            processors.append(_syslog_prefix)
    else:
        processors.append(structlog.dev.ConsoleRenderer(colors=stream.isatty()))
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(LEVELS.get(level, logging.INFO)),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )


Logger = FilteringBoundLogger  # what get() hands out, for signatures across modules


def get(name: str = "vrrpd") -> Any:
    return structlog.get_logger(name)
