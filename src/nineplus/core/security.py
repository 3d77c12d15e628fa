"""Password hashing (argon2id) and random tokens stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verifying against this keeps the time of a login for an unknown e-mail like that of a known one.
_DUMMY_HASH = _hasher.hash("nineplus-timing-equaliser")

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; with no hash, spend the same time and answer False."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """Hash a high-entropy token for storage (a fast hash is right here; passwords use argon2)."""
    return hashlib.sha256(token.encode()).hexdigest()


def sign(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def signed_id(purpose: str, organisation_id: int, object_id: int) -> str:
    """A link token that names an object and proves the server made it (its secret signs the purpose,
    the organisation and the id): nothing to store, and one purpose's token opens nothing else."""
    from nineplus.core.settings import get_settings

    secret = get_settings().resolved_secret_key()
    return f"{object_id}.{sign(secret, f'{purpose}:{organisation_id}:{object_id}')[:32]}"


def id_of_signed(token: str) -> int | None:
    """The id a ``signed_id`` token names, unverified (None when it names none); check the whole token
    with ``constant_time_equals`` against ``signed_id`` of the object found."""
    head, _dot, _signature = token.partition(".")
    return int(head) if head.isascii() and head.isdigit() and len(head) < 12 else None
