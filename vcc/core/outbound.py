"""Where agents may call out: the admin's outbound policy (pure, no I/O).

Click-to-dial rings the agent first and then dials the customer through the trunk.
The number has already passed :func:`vcc.validate.phone_number` (only '+' and ASCII
digits); here it must also match one of the admin's allowed patterns, so that a
stolen login cannot call premium or foreign numbers (toll fraud) unless the admin
allows them. No pattern, no outbound calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from vcc import validate
from vcc.errors import ConfigError, VccError

# How the PBX reaches the outside world, e.g. "PJSIP/{number}@trunk": '{number}' once,
# and otherwise only what a PJSIP/SIP dial string needs (no ',', '&', '(' or spaces).
_DIAL_TEMPLATE = re.compile(r"[A-Za-z]{1,16}/[A-Za-z0-9_.@/{}:+-]{1,120}")


class NotAllowed(VccError):
    """The number is well-formed but the admin's outbound policy does not allow it."""

    code = "number-not-allowed"
    http_status = 403


@dataclass(frozen=True)
class OutboundPolicy:
    dial: str  # the trunk's dial string, with '{number}' where the number goes
    allowed: tuple[re.Pattern[str], ...]  # a number must match one of these in full
    ring_timeout: float = 45.0  # how long the customer's phone may ring
    wrap_up: float = 0.0  # seconds of wrap-up after an outbound call

    @classmethod
    def create(
        cls,
        dial: str,
        allowed: Iterable[str],
        *,
        ring_timeout: float = 45.0,
        wrap_up: float = 0.0,
    ) -> OutboundPolicy:
        if not _DIAL_TEMPLATE.fullmatch(dial) or dial.count("{number}") != 1:
            raise ConfigError(
                f"outbound dial string {dial!r} is not valid",
                hint="write the trunk's dial string with '{number}' once, "
                "e.g. PJSIP/{number}@provider",
            )
        if "{" in dial.replace("{number}", "") or "}" in dial.replace("{number}", ""):
            raise ConfigError(f"outbound dial string {dial!r} has braces other than {{number}}")
        patterns = []
        for pattern in allowed:
            try:
                patterns.append(re.compile(pattern))
            except re.error as exc:
                raise ConfigError(
                    f"outbound pattern {pattern!r} is not a valid regular expression: {exc}"
                ) from exc
        if not 1 <= ring_timeout <= 600:
            raise ConfigError("outbound ring_timeout must be 1 to 600 seconds")
        if not 0 <= wrap_up <= 3600:
            raise ConfigError("outbound wrap_up must be 0 to 3600 seconds")
        return cls(dial, tuple(patterns), ring_timeout, wrap_up)

    def check(self, typed: str) -> str:
        """The number to dial for what the agent typed, or InvalidInput / NotAllowed."""
        number = validate.phone_number(typed)
        if not any(p.fullmatch(number) for p in self.allowed):
            raise NotAllowed(
                f"calls to {number} are not allowed",
                hint="the admin's outbound policy allows only some numbers; "
                "ask an admin if this one should be",
            )
        return number

    def dial_string(self, number: str) -> str:
        """What the PBX dials for a number :meth:`check` returned."""
        return self.dial.replace("{number}", number)
