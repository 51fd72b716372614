"""Time-based one-time passwords (RFC 6238, HMAC-SHA1, 30 s, 6 digits): what
authenticator apps show. Own code, a few lines, instead of another dependency."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote

STEP = 30
DIGITS = 6
WINDOW = 1  # steps either side accepted: clocks drift, people type slowly


def new_secret() -> str:
    """A random 160-bit secret, base32 as apps take it."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def _counter_code(key: bytes, counter: int, digits: int = DIGITS) -> str:
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def code_at(secret: str, at: float, digits: int = DIGITS) -> str:
    return _counter_code(base64.b32decode(secret), int(at // STEP), digits)


def matching_step(secret: str, code: str, at: float, after_step: int | None) -> int | None:
    """The time step ``code`` belongs to (within the window), if it is later than
    ``after_step`` (a code is used once: a replayed one is refused)."""
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    key = base64.b32decode(secret)
    now = int(at // STEP)
    for step in range(now - WINDOW, now + WINDOW + 1):
        if (after_step is None or step > after_step) and hmac.compare_digest(
            _counter_code(key, step), code
        ):
            return step
    return None


def provisioning_uri(secret: str, username: str, issuer: str = "vcc") -> str:
    """The otpauth:// URI an app reads from a QR code."""
    return (
        f"otpauth://totp/{quote(issuer)}:{quote(username)}"
        f"?secret={secret}&issuer={quote(issuer)}&digits={DIGITS}&period={STEP}"
    )
