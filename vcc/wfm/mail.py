"""Email copies of notifications, through the SMTP server the admin configures."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from vcc.errors import InvalidInput

log = logging.getLogger(__name__)


class Mailer(Protocol):
    async def send(self, to: str, subject: str, body: str) -> None: ...

    async def send_message(self, message: EmailMessage) -> None:
        """Send a message built elsewhere (a reply with its threading headers)."""


def email_address(value: str) -> str:
    """One plain address (no display name, no list): what a header can carry safely."""
    address = value.strip()
    local, _, domain = address.partition("@")
    if (
        not local
        or "." not in domain
        or len(address) > 254
        or any(c.isspace() or c in '<>,;:"()[]\\' or ord(c) < 32 for c in address)
    ):
        raise InvalidInput(f"{value[:60]!r} is not an email address", hint="like anna@example.org")
    return address


@dataclass(frozen=True)
class SmtpMailer:
    host: str
    port: int
    sender: str
    timeout: float = 10.0
    username: str | None = None
    password: str | None = None
    starttls: bool = False

    async def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = email_address(to)
        message["Subject"] = " ".join(subject.split())  # no header injection by newlines
        message.set_content(body)
        await asyncio.to_thread(self._deliver, message)

    async def send_message(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._deliver, message)

    def _deliver(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username and self.password:
                smtp.login(self.username, self.password)
            smtp.send_message(message)
