"""The access log keeps no link's token: a personal link's use, logged with its moment, would tie an
anonymous answer to its person."""

from __future__ import annotations

import logging

from nineplus.web.access_log import RedactTokens, redact


def test_tokens_in_link_paths_are_left_out_of_the_access_log() -> None:
    assert redact("/scan/12.a1b2c3") == "/scan/…"
    assert redact("/scan/open/7.ffee?x=1") == "/scan/open/…?x=1"
    assert redact("/r/tok3n/thanks") == "/r/…/thanks"
    assert redact("/password/reset/abc") == "/password/reset/…"
    assert redact("/api/v1/public/surveys/KEY/responses") == "/api/v1/public/surveys/…/responses"
    assert redact("/scans/12") == "/scans/12"  # a page of the app, no secret
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4:5", "POST", "/scan/9.secret", "1.1", 200),
        None,
    )
    assert RedactTokens().filter(record)
    assert "secret" not in record.getMessage()
