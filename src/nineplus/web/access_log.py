"""The server's access log without the secrets in links: a personal survey, scan or re-survey link, a
board link, an invitation or a password reset carries its token in the path, and a log line with the
token and the moment it was used would tie an anonymous answer to the person whose link it was."""

from __future__ import annotations

import logging
import re

# /r/<token>, /s/<key>, /u/<token>, /rs/<token>, /scan/<token>, /scan/open/<key>, /board/<token>,
# /invite/<token>, /password/reset/<token>, /api/v1/public/surveys/<key>/...
_SECRET = re.compile(
    r"(/(?:r|s|u|rs|scan(?:/open)?|board|invite|password/reset|api/v1/public/surveys)/)[^/?\s\"]+"
)


def redact(path: str) -> str:
    return _SECRET.sub(r"\1…", path)


class RedactTokens(logging.Filter):
    """Rewrites the path in uvicorn's access records (their args: client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


def install() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in access.filters):
        access.addFilter(RedactTokens())
