"""Inbound email: an SMTP server inside vcc's own asyncio loop.

aiosmtpd's ``Controller`` runs its own loop in a thread; vcc wants the handler to
run beside the desk it feeds, so the protocol is served with ``create_server`` on
the running loop instead. The listener answers each message only after
``receive`` has it on record: a 250 means vcc has the email, a 5xx tells the
sender it never will (size, garbage), a 4xx asks the sending server to retry.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable

from aiosmtpd.smtp import SMTP, Envelope, Session

from vcc.digital.email import MAX_MESSAGE
from vcc.errors import InvalidInput

log = logging.getLogger(__name__)

Receive = Callable[[bytes, str, list[str]], Awaitable[None]]

MAX_RECIPIENTS = 100  # one message fans out to at most this many queues' addresses


def _reply_text(message: str, limit: int) -> str:
    """One printable ASCII line: what an SMTP reply may carry."""
    line = " ".join(message.split())
    return "".join(c if " " <= c <= "~" else "?" for c in line)[:limit]


class _Handler:
    """aiosmtpd's hooks: which recipients vcc takes, and what it does with a message."""

    def __init__(self, receive: Receive, accept_domains: frozenset[str] | None) -> None:
        self.receive = receive
        self.accept_domains = accept_domains

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        """Only mail for our own domains: vcc is no relay."""
        domain = address.rpartition("@")[2].lower()
        if self.accept_domains is not None and domain not in self.accept_domains:
            return "550 5.7.1 we take no mail for that domain"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 too many recipients"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        raw = content.encode("utf-8", "surrogateescape") if isinstance(content, str) else content
        try:
            await self.receive(raw or b"", envelope.mail_from or "", list(envelope.rcpt_tos))
        except InvalidInput as e:
            log.info("refused an email from %r: %s", envelope.mail_from, e.message)
            return "550 5.6.0 " + _reply_text(e.message, 190)
        except Exception:
            log.exception("could not take an email from %r", envelope.mail_from)
            return "451 4.3.0 try again later"
        return "250 OK"


class SmtpListener:
    """Accepts email on ``host:port`` (port 0: any free one, see ``port``) and hands
    each message to ``receive(raw, mail_from, recipients)``."""

    def __init__(
        self,
        receive: Receive,
        host: str = "127.0.0.1",
        port: int = 2525,
        accept_domains: frozenset[str] | None = None,
    ) -> None:
        self.host = host
        self._port = port
        domains = None if accept_domains is None else frozenset(d.lower() for d in accept_domains)
        self._handler = _Handler(receive, domains)
        self._server: asyncio.Server | None = None
        self._connections: set[SMTP] = set()

    @property
    def port(self) -> int:
        """The bound port once started (the one asked for, or the free one picked)."""
        return self._port

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        # Once, not per connection: aiosmtpd would otherwise ask DNS (getfqdn) each time.
        hostname = socket.gethostname() or "vcc"

        def connection() -> SMTP:
            protocol = _Smtp(
                self._handler,
                data_size_limit=MAX_MESSAGE,
                hostname=hostname,
                ident="vcc",
                loop=loop,
            )
            protocol.connections = self._connections
            return protocol

        self._server = await loop.create_server(connection, self.host, self._port)
        self._port = self._server.sockets[0].getsockname()[1]
        log.info("SMTP listener on %s:%d", self.host, self._port)

    async def close(self) -> None:
        """Stop listening and drop open sessions (a sender retries what it had not
        finished; a message is never half taken)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for protocol in list(self._connections):
            if protocol.transport is not None:
                protocol.transport.close()
        await server.wait_closed()


class _Smtp(SMTP):
    """aiosmtpd's protocol, keeping track of its open connections so close() can end them."""

    connections: set[SMTP]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.connections.add(self)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self.connections.discard(self)
        super().connection_lost(error)
