"""Log lines for people (`text`) or for a log collector (`json`: one object per line), set by
NINEPLUS_LOG_FORMAT for the web server and the worker alike.

A JSON line carries ``ts`` (UTC), ``level``, ``logger`` and ``message``, every field a record was given
through ``extra`` (procrastinate names the job, task and queue that way), an access line's ``method``,
``path`` (tokens redacted, see ``web/access_log.py``) and ``status``, and ``exception`` with its traceback.
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime", "color_message"}
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            _client, line["method"], line["path"], _version, line["status"] = args
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def config(fmt: str = "text", level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for nineplus, procrastinate and uvicorn (uvicorn takes it as
    ``log_config``)."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter}
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s", "datefmt": "%Y-%m-%d %H:%M:%S"}
    )
    handler = {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "root": {"handlers": ["main"], "level": level},
        "loggers": {
            name: {"handlers": [], "propagate": True, "level": level}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "procrastinate", "nineplus")
        },
    }


def configure(fmt: str | None = None, level: str = "INFO") -> dict[str, Any]:
    """Apply the configured format to this process's logging; return the dictConfig it used."""
    if fmt is None:
        from nineplus.core.settings import get_settings

        fmt = get_settings().log_format
    settings = config(fmt, level)
    logging.config.dictConfig(settings)
    return settings
