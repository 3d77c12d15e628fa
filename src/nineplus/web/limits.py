"""Abuse limits: how many requests an address, a link, an API key or an account may make in a window.

Every request falls under at most one rule set, chosen by its method and path (``rules_for``) and
counted by the request middleware before the application reads the body: logging in and password resets,
the public response pages and their submissions (per address and per link: a survey's anonymous key, a
personal token), and the API (per address always, and per key). Logging in has a second limit kept by
the login handler: failed attempts per account, from one address (5) and from all together (30),
counted for any e-mail address typed, known or not, so that the lockout tells nothing about which
accounts exist, and one address cannot lock a colleague out for long from everywhere.

Counters are keyed by a keyed hash (HMAC with the server's secret) of the address, the link or the key,
never the value itself, and they live in the counting store (memory by default) only for their window.
A deployment raises or lowers a rule with ``NINEPLUS_RATE_LIMIT_OVERRIDES`` and switches all of them
off with ``NINEPLUS_RATE_LIMITS=false``; the benchmarks raise them that way and say so.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import time
from typing import Any

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette._utils import get_route_path

from nineplus.core.errors import DomainError
from nineplus.core.i18n import ngettext
from nineplus.core.settings import get_settings

# name -> limit in the notation of the ``limits`` library ("N/period", "N per N period")
DEFAULTS: dict[str, str] = {
    "login_per_address": "30/10 minutes",
    "login_failures_per_account_address": "5/15 minutes",
    "login_failures_per_account": "30/15 minutes",
    "reset_per_address": "10/hour",
    "reset_per_account_address": "3/hour",
    "public_pages_per_address": "300/minute",
    "public_posts_per_address": "60/minute",
    "public_posts_per_link": "600/minute",
    "api_per_key": "1200/minute",
    "api_per_address": "600/minute",
}

# path prefixes of the public pages that answer through a link (a token or a survey's key)
LINK_PAGES = ("/r/", "/s/", "/u/", "/rs/", "/scan/", "/board/", "/invite/", "/password/reset/")
PUBLIC_API_SUBMIT = re.compile(r"^/api/v1/public/surveys/([^/]+)/responses$")


class RateLimited(DomainError):
    """A limit was reached: 429, with the seconds until the window lets the next request through."""

    status_code = 429

    def __init__(self, retry_after: int, message: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.message = message


class Limiter:
    """The rules in force and their counters; one per application (``app.state.limiter``)."""

    def __init__(self, enabled: bool, overrides: str = "", storage: str = "memory://") -> None:
        self.enabled = enabled
        self.rules: dict[str, RateLimitItem] = {
            name: parse(text) for name, text in {**DEFAULTS, **_parse(overrides)}.items()
        }
        self._storage: Storage = storage_from_string(storage)
        self._limiter = MovingWindowRateLimiter(self._storage)

    @classmethod
    def from_settings(cls) -> Limiter:
        settings = get_settings()
        return cls(settings.rate_limits, settings.rate_limit_overrides, settings.rate_limit_storage)

    def describe(self) -> dict[str, str]:
        """Each rule as the limits library writes it ("30 per 10 minute"), for the benchmarks to print."""
        return {name: str(item) for name, item in self.rules.items()}

    def hit(self, name: str, value: str) -> None:
        """Count one request against rule ``name`` for ``value``; raise RateLimited once it is over."""
        if not self.enabled:
            return
        item, key = self.rules[name], _keyed(name, value)
        if not self._limiter.hit(item, key):
            raise self._refusal(name, item, key)

    def check(self, name: str, value: str) -> None:
        """Raise RateLimited when rule ``name`` is already exhausted for ``value``, counting nothing."""
        if not self.enabled:
            return
        item, key = self.rules[name], _keyed(name, value)
        if not self._limiter.test(item, key):
            raise self._refusal(name, item, key)

    def clear(self, name: str, value: str) -> None:
        self._limiter.clear(self.rules[name], _keyed(name, value))

    def reset(self) -> None:
        """Forget every counter (tests)."""
        self._storage.reset()

    def _refusal(self, name: str, item: RateLimitItem, key: str) -> RateLimited:
        seconds = max(1, math.ceil(self._limiter.get_window_stats(item, key).reset_time - time.time()))
        return RateLimited(seconds, _message(name, seconds))


def _parse(overrides: str) -> dict[str, str]:
    """``"name=limit; name=limit"`` -> {name: limit}; an unknown name or a malformed limit is refused at
    start, so a typo in a deployment's setting does not silently leave the default in force."""
    found: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in overrides.split(";"))):
        name, _sep, text = part.partition("=")
        name, text = name.strip(), text.strip()
        if name not in DEFAULTS:
            raise ValueError(
                f"NINEPLUS_RATE_LIMIT_OVERRIDES: unknown rule {name!r} (known: {sorted(DEFAULTS)})"
            )
        try:
            parse(text)
        except ValueError:
            raise ValueError(
                f"NINEPLUS_RATE_LIMIT_OVERRIDES: {name}={text!r} is not a limit such as 30/minute"
            ) from None
        found[name] = text
    return found


def _keyed(name: str, value: str) -> str:
    """The counter's key: a keyed hash, so the store never holds an address, a token or an e-mail."""
    secret = get_settings().resolved_secret_key().encode()
    return name + ":" + hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:32]


def _message(name: str, seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if name.startswith("login_failures_per_account"):
        return ngettext(
            "Too many failed attempts to log in with this e-mail address. Try again in %(num)s minute, "
            "or reset your password.",
            "Too many failed attempts to log in with this e-mail address. Try again in %(num)s minutes, "
            "or reset your password.",
            minutes,
        )
    if name in ("login_per_address", "reset_per_address", "reset_per_account_address"):
        return ngettext(
            "Too many attempts in a short time. Try again in %(num)s minute.",
            "Too many attempts in a short time. Try again in %(num)s minutes.",
            minutes,
        )
    return ngettext(
        "Too many requests in a short time. Wait %(num)s second and try again.",
        "Too many requests in a short time. Wait %(num)s seconds and try again.",
        seconds,
    )


def address_of(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy: run uvicorn with --proxy-headers)."""
    return request.client.host if request.client else "unknown"


def check(request: Request, limiter: Limiter) -> None:
    """Count this request against the rules of its path; raise RateLimited when one is over. Called by
    the request middleware (``web.app.PerRequest``) before the application reads anything, so that a body
    that fails to parse is counted too."""
    if not limiter.enabled:
        return
    path = get_route_path(request.scope)  # without the root path a proxy may put before it
    for name, value in rules_for(address_of(request), request.method, path, request.headers):
        limiter.hit(name, value)


def rules_for(address: str, method: str, path: str, headers: Any = None) -> list[tuple[str, str]]:
    """The (rule, counted value) pairs of one request, by its method and path."""
    if (method == "POST" and path == "/login") or path.startswith("/login/sso"):
        return [("login_per_address", address)]
    if method == "POST" and path == "/password/forgot":
        return [("reset_per_address", address)]
    submit = PUBLIC_API_SUBMIT.match(path)
    if submit:
        return [("public_posts_per_address", address), ("public_posts_per_link", submit.group(1))]
    if path.startswith("/api/"):
        header = (headers or {}).get("authorization", "")
        rules = [("api_per_address", address)]  # always: a new made-up key per request escapes nothing
        if header.lower().startswith("bearer "):
            rules.append(("api_per_key", header[7:].strip()))
        return rules
    if path == "/metrics":  # a token to guess, for anyone else than this machine
        return [("public_pages_per_address", address)]
    for prefix in LINK_PAGES:
        if path.startswith(prefix):
            if method == "GET":
                return [("public_pages_per_address", address)]
            link = path[len(prefix) :].split("/")[0]
            return [("public_posts_per_address", address), ("public_posts_per_link", link)]
    return []
