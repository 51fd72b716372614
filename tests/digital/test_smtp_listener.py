"""The inbound SMTP listener, spoken to by a real SMTP client over loopback."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator
from email.message import EmailMessage
from email.policy import SMTP

import pytest
import pytest_asyncio

from vcc.digital.email import MAX_MESSAGE
from vcc.digital.smtp_listener import SmtpListener
from vcc.errors import InvalidInput


class Inbox:
    """A ``receive`` that keeps what it gets, or fails the way a test asks it to."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str, list[str]]] = []
        self.fail: Exception | None = None

    async def receive(self, raw: bytes, mail_from: str, recipients: list[str]) -> None:
        if self.fail is not None:
            raise self.fail
        self.received.append((raw, mail_from, recipients))


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest_asyncio.fixture
async def listener(inbox: Inbox) -> AsyncIterator[SmtpListener]:
    server = SmtpListener(inbox.receive, "127.0.0.1", 0, accept_domains=frozenset({"VCC.example"}))
    await server.start()
    try:
        yield server
    finally:
        await server.close()


def _message(body: str = "Waar blijft mijn pakket?") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "anna@example.org"
    message["To"] = "support@vcc.example"
    message["Subject"] = "Pakket"
    message.set_content(body)
    return message


def _send(port: int, message: EmailMessage | bytes, recipients: list[str]) -> None:
    with smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=30) as smtp:
        if isinstance(message, bytes):
            smtp.sendmail("anna@example.org", recipients, message)
        else:
            smtp.send_message(message, "anna@example.org", recipients)


async def test_binds_a_free_port(listener: SmtpListener) -> None:
    assert listener.port > 0


async def test_a_good_message_is_received(listener: SmtpListener, inbox: Inbox) -> None:
    await asyncio.to_thread(
        _send, listener.port, _message(), ["support@vcc.example", "sales@VCC.EXAMPLE"]
    )
    [(raw, mail_from, recipients)] = inbox.received
    assert isinstance(raw, bytes)
    assert b"Subject: Pakket" in raw
    assert b"Waar blijft mijn pakket?" in raw
    assert mail_from == "anna@example.org"
    assert recipients == ["support@vcc.example", "sales@VCC.EXAMPLE"]


async def test_a_recipient_elsewhere_is_refused(listener: SmtpListener, inbox: Inbox) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await asyncio.to_thread(_send, listener.port, _message(), ["victim@elsewhere.example"])
    code, _ = refused.value.recipients["victim@elsewhere.example"]
    assert code == 550
    assert inbox.received == []


async def test_only_our_recipients_get_the_message(listener: SmtpListener, inbox: Inbox) -> None:
    await asyncio.to_thread(
        _send, listener.port, _message(), ["x@elsewhere.example", "support@vcc.example"]
    )
    assert [recipients for _, _, recipients in inbox.received] == [["support@vcc.example"]]


async def test_invalid_input_is_a_permanent_refusal(listener: SmtpListener, inbox: Inbox) -> None:
    inbox.fail = InvalidInput("the email has no valid From address\r\nInjected: é", hint="x")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        await asyncio.to_thread(_send, listener.port, _message(), ["support@vcc.example"])
    assert refused.value.smtp_code == 550
    assert refused.value.smtp_error == b"5.6.0 the email has no valid From address Injected: ?"


async def test_a_failure_asks_the_sender_to_retry(listener: SmtpListener, inbox: Inbox) -> None:
    inbox.fail = RuntimeError("database is down")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        await asyncio.to_thread(_send, listener.port, _message(), ["support@vcc.example"])
    assert refused.value.smtp_code == 451
    assert b"database" not in refused.value.smtp_error


async def test_an_oversized_message_is_refused(listener: SmtpListener, inbox: Inbox) -> None:
    """Announced with SIZE, the client hears 552 before sending any data."""
    big = _message().as_bytes(policy=SMTP) + b"y" * MAX_MESSAGE
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        await asyncio.to_thread(_send, listener.port, big, ["support@vcc.example"])
    assert refused.value.smtp_code == 552
    assert inbox.received == []


def _send_unannounced(port: int, data: bytes) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail("anna@example.org")  # no SIZE: the server finds out while reading
        smtp.rcpt("support@vcc.example")
        return smtp.data(data)


async def test_an_unannounced_oversized_message_is_refused(
    listener: SmtpListener, inbox: Inbox
) -> None:
    line = b"y" * 998 + b"\r\n"
    big = _message().as_bytes(policy=SMTP) + line * (MAX_MESSAGE // len(line) + 1)
    code, _ = await asyncio.to_thread(_send_unannounced, listener.port, big)
    assert code == 552
    assert inbox.received == []


async def test_close_ends_open_sessions(inbox: Inbox) -> None:
    server = SmtpListener(inbox.receive, "127.0.0.1", 0)
    await server.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    assert (await reader.readline()).startswith(b"220 ")
    await asyncio.wait_for(server.close(), 10)
    assert await asyncio.wait_for(reader.read(), 10) == b""
    writer.close()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", server.port)
