"""The omnichannel services together, as the API and `vcc serve` use them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vcc.config import Settings
from vcc.core.channels import Capacity, Channel
from vcc.digital.chat import ChatService
from vcc.digital.crm import Crm
from vcc.digital.desk import DeskService
from vcc.digital.mailbox import MailboxService
from vcc.digital.smtp_listener import SmtpListener
from vcc.digital.voicemail import VoicemailService
from vcc.engine import Engine
from vcc.wfm.mail import Mailer


@dataclass
class DigitalService:
    desk: DeskService
    chats: ChatService
    mailbox: MailboxService
    voicemail: VoicemailService
    crm: Crm

    @classmethod
    def create(
        cls,
        engine: Engine,
        sessions: async_sessionmaker[AsyncSession],
        publish: Callable[[dict[str, Any]], None],
        *,
        data_dir: Path,
        recordings: Path | None,
        mailer: Mailer | None,
        address: str,
        email_queue: str | None = None,
        capacity: Capacity | None = None,
    ) -> DigitalService:
        """``recordings``: where this host sees the PBX's recordings (voicemail goes
        in there; None: no voicemail)."""
        desk = DeskService(engine, sessions, publish, capacity or Capacity())
        queues = sorted(engine.state.queues)
        default_queue = email_queue or (queues[0] if queues else "")
        mailbox = MailboxService(sessions, desk, data_dir / "attachments", mailer,
                                 address.lower(), {address.lower(): default_queue},
                                 default_queue)  # fmt: skip
        return cls(
            desk=desk,
            chats=ChatService(sessions, desk, publish),
            mailbox=mailbox,
            voicemail=VoicemailService(sessions, desk, VoicemailService.folder_of(recordings)),
            crm=Crm(sessions),
        )

    @contextlib.asynccontextmanager
    async def serving(self, host: str, port: int | None) -> AsyncIterator[SmtpListener | None]:
        """Open work from before a restart back on the desk; the SMTP listener for
        inbound email while inside (none if ``port`` is None)."""
        await self.desk.restore()
        if port is None:
            yield None
            return
        domain = self.mailbox.address.partition("@")[2]

        async def receive(raw: bytes, mail_from: str, recipients: list[str]) -> None:
            await self.mailbox.receive(raw, mail_from, recipients)

        listener = SmtpListener(receive, host, port, accept_domains=frozenset({domain}))
        await listener.start()
        try:
            yield listener
        finally:
            await listener.close()


def capacity_of(
    settings: Settings, per_agent: Mapping[str, Mapping[Channel, int]] | None = None
) -> Capacity:
    """The desk's rules from vcc's settings (checked there), and the agents' own
    limits from the tenant file (checked there)."""
    return Capacity(
        {Channel.CHAT: settings.chat_capacity, Channel.EMAIL: settings.email_capacity,
         Channel.VOICEMAIL: settings.voicemail_capacity},
        calls_with_other_work=settings.calls_with_other_work,
        order=tuple(Channel(c) for c in settings.channel_order),
        per_agent=MappingProxyType(dict(per_agent or {})),
    )  # fmt: skip
