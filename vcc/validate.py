"""Validation at the edge: nothing user-controlled reaches a dial string,
a config file, a file path or an AMI header unless it matches one of these."""

from __future__ import annotations

import re

from vcc.errors import InvalidInput

# Extensions and endpoint ids: digits only, as a desk phone or a queue number is dialled.
_EXTENSION = re.compile(r"[0-9]{2,15}")
# Names the admin picks for queues, instances, music classes: a safe slug.
_SLUG = re.compile(r"[a-z][a-z0-9_-]{0,31}")
# Logins: like a slug, but may be all digits (many contact centers log in by number).
_LOGIN = re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}")
# Sounds Asterisk plays: relative names under its sounds directory, no extension.
# No '..', no '/' at the start, none of Playback's separators ('&', ',', '|').
_SOUND = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}(/[a-z0-9][a-z0-9_-]{0,63}){0,3}")
# A phone number someone types or pastes: ASCII digits with an optional leading '+'
# (spaces and '-' between digits are dropped first). Not \d: it matches other scripts'
# digits (fullwidth '１', Arabic-Indic '٣'), which must never reach a dial string.
_PHONE_NUMBER = re.compile(r"\+?[0-9]{2,20}")
_NUMBER_SEPARATORS = re.compile(r"(?<=[0-9+])[ -](?=[0-9])")
# A SIP URI for a desk phone: sip:user@host[:port], nothing else (no parameters or
# headers: ';', '?', '>' and spaces would reach the dial string). Host: a DNS name or
# an IPv4 address.
_SIP_URI = re.compile(
    r"sip:[A-Za-z0-9_.+-]{1,64}@"
    r"(?P<host>[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)"
    r"(?::(?P<port>[0-9]{1,5}))?"
)
# One DTMF key.
_DTMF = re.compile(r"[0-9*#]")
# SIP/PJSIP secrets go into pjsip.conf: no spaces, quotes, semicolons or newlines.
_SECRET = re.compile(r"[A-Za-z0-9_.~+/-]{8,128}")


def extension(value: str, *, what: str = "extension") -> str:
    """A dialable extension: 2 to 15 digits."""
    if not _EXTENSION.fullmatch(value):
        raise InvalidInput(
            f"{what} {value!r} is not valid",
            hint="use 2 to 15 digits, nothing else (no '+', '&', ',' or letters)",
        )
    return value


def slug(value: str, *, what: str = "name") -> str:
    """A lowercase identifier the admin chose (queue name, instance name, MOH class)."""
    if not _SLUG.fullmatch(value):
        raise InvalidInput(
            f"{what} {value!r} is not valid",
            hint="start with a letter; use at most 32 of a-z, 0-9, '_' and '-'",
        )
    return value


def login(value: str, *, what: str = "login") -> str:
    """A user's or agent's login: lowercase letters, digits, '_', '.', '-'."""
    if not _LOGIN.fullmatch(value):
        raise InvalidInput(
            f"{what} {value!r} is not valid",
            hint="use at most 32 of a-z, 0-9, '_', '.' and '-', starting with a letter or digit",
        )
    return value


def sound(value: str, *, what: str = "sound") -> str:
    """A sound name as Playback takes it: e.g. ``custom/welcome`` (no extension)."""
    if not _SOUND.fullmatch(value):
        raise InvalidInput(
            f"{what} {value!r} is not a valid sound name",
            hint="use lowercase letters, digits, '_' and '-', with '/' between folders "
            "and no file extension (e.g. custom/welcome)",
        )
    return value


def phone_number(value: str, *, what: str = "phone number") -> str:
    """A number to dial: '+' and 2 to 20 digits, as typed ('+31 20-123 4567' is fine);
    returns it without the separators. Anything else is refused, never cleaned up:
    a dial string must not guess what a caller meant."""
    number = _NUMBER_SEPARATORS.sub("", value.strip(" "))
    if not _PHONE_NUMBER.fullmatch(number):
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise InvalidInput(
            f"{what} {shown!r} is not valid",
            hint="use digits 0-9, optionally a leading '+' and spaces or '-' between digits "
            "(2 to 20 digits; no letters, '&', ',', '/', '(' or ';')",
        )
    return number


def sip_uri(value: str, *, what: str = "SIP URI") -> str:
    """A phone's SIP address, ``sip:user@host`` or ``sip:user@host:port``."""
    match = _SIP_URI.fullmatch(value)
    if match is None or len(match["host"]) > 253 or not 1 <= int(match["port"] or 5060) <= 65535:
        shown = value if len(value) <= 60 else value[:60] + "…"
        raise InvalidInput(
            f"{what} {shown!r} is not valid",
            hint="use sip:user@host or sip:user@host:port (letters, digits, '.', '_', '+', "
            "'-'; no parameters, spaces or other characters)",
        )
    return value


def dtmf(value: str, *, what: str = "DTMF key") -> str:
    if not _DTMF.fullmatch(value):
        raise InvalidInput(f"{what} {value!r} is not valid", hint="use one of 0-9, * or #")
    return value


def secret(value: str, *, what: str = "secret") -> str:
    if not _SECRET.fullmatch(value):
        raise InvalidInput(
            f"{what} is not valid",
            hint="use 8 to 128 of A-Z, a-z, 0-9 and _ . ~ + / -",
        )
    return value


def port(value: int, *, what: str = "port") -> int:
    if not 1024 <= value <= 65535:
        raise InvalidInput(f"{what} {value} is out of range", hint="use a port from 1024 to 65535")
    return value


def header_value(value: str, *, what: str = "value") -> str:
    """A value that goes into one AMI header line: no CR, LF or NUL can pass."""
    if any(c in value for c in "\r\n\0"):
        raise InvalidInput(f"{what} contains a line break", hint="remove CR/LF characters")
    return value
