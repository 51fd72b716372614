"""An agent's desk phone (the 8x8 console's Profile): where vcc rings them, and the
check that it is theirs ("Bellen voor verificatie": vcc calls it and speaks a code the
agent types back). Pure: the random code and the clock come from the caller.

A desk phone is one of: an extension of vcc's own PBX (``1001``), a number reached
through the admin's trunk (``+31201234567``, held to the outbound policy like any
call out), or a SIP address (``sip:anna@192.0.2.7:5062``), dialled through vcc's
``vcc-uri`` endpoint. What the PBX dials is built here from validated parts only.
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Container
from dataclasses import dataclass, replace

from vcc import validate
from vcc.core.outbound import NotAllowed, OutboundPolicy
from vcc.errors import InvalidInput

URI_ENDPOINT = "vcc-uri"  # pjsip.conf's endpoint for dialling SIP addresses
CODE_DIGITS = 6
CODE_LIFETIME = 300.0  # seconds the spoken code can be typed back
CODE_ATTEMPTS = 3  # wrong codes before a new call is needed
MAX_INPUT = 200


class PhoneKind(enum.StrEnum):
    EXTENSION = "extension"
    NUMBER = "number"
    SIP_URI = "sip_uri"


@dataclass(frozen=True)
class DeskPhone:
    kind: PhoneKind
    value: str  # the extension, the number without separators, or the SIP URI

    @classmethod
    def parse(cls, typed: str, extensions: Container[str]) -> DeskPhone:
        """What the agent typed: ``sip:…`` is a SIP address; digits that are one of
        the PBX's ``extensions`` are that phone; other digits are a number."""
        if len(typed) > MAX_INPUT:
            raise InvalidInput(f"a desk phone is at most {MAX_INPUT} characters")
        text = typed.strip(" ")
        if text.lower().startswith("sip:"):
            return cls(PhoneKind.SIP_URI, validate.sip_uri("sip:" + text[4:], what="SIP URI"))
        if text in extensions:
            return cls(PhoneKind.EXTENSION, validate.extension(text))
        return cls(PhoneKind.NUMBER, validate.phone_number(text, what="desk phone number"))

    def endpoint(self, outbound: OutboundPolicy | None) -> str:
        """What the PBX dials to ring this phone. A number must be one the outbound
        policy allows (NotAllowed otherwise: the toll-fraud guard holds here too)."""
        match self.kind:
            case PhoneKind.EXTENSION:
                return f"PJSIP/{self.value}"
            case PhoneKind.SIP_URI:
                return f"PJSIP/{URI_ENDPOINT}/{self.value}"
            case PhoneKind.NUMBER:
                if outbound is None:
                    raise NotAllowed(
                        "this contact center makes no outside calls",
                        hint="use an extension or a SIP address, or ask an admin for an "
                        "outbound policy",
                    )
                return outbound.dial_string(outbound.check(self.value))


class CodeCheck(enum.StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong"
    EXPIRED = "expired"  # too late, or too many wrong codes: call again


@dataclass(frozen=True)
class Verification:
    """A verification call under way: the phone it rang and the code it speaks."""

    phone: DeskPhone
    code: str
    expires_at: float
    attempts_left: int = CODE_ATTEMPTS

    @classmethod
    def start(cls, phone: DeskPhone, code: str, now: float) -> Verification:
        if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
            raise ValueError("a verification code is six ASCII digits")
        return cls(phone, code, now + CODE_LIFETIME)

    def check(self, typed: str, now: float) -> tuple[CodeCheck, Verification]:
        """The agent typed ``typed``: verified, wrong (one attempt fewer) or expired."""
        if now > self.expires_at or self.attempts_left <= 0:
            return CodeCheck.EXPIRED, self
        # Constant time: the code is a secret for as long as it lives.
        if hmac.compare_digest(typed.strip().encode(), self.code.encode()):
            return CodeCheck.VERIFIED, self
        left = self.attempts_left - 1
        return (CodeCheck.WRONG if left else CodeCheck.EXPIRED), replace(self, attempts_left=left)
