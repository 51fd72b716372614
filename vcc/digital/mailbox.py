"""Email as interactions: a message that reaches vcc's SMTP listener waits in a queue
on the digital desk; the agent who accepts it gets a case (opened then, or the one
the message answers), replies through the admin's SMTP server, threaded with the
right headers, and ends it.

Attachments are written under vcc's own names (``<mail id>-<n>``) in the data
directory; the sender's file name is kept, cleaned, for display only.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import vcc.digital.email as mail
from vcc.core.channels import Channel
from vcc.digital.crm import match_customer, open_case
from vcc.digital.desk import DeskService
from vcc.errors import InvalidInput, NotFound
from vcc.store.models import (
    CrmCase,
    Customer,
    MailAttachment,
    MailDirection,
    MailMessage,
)
from vcc.wfm.mail import Mailer

log = logging.getLogger(__name__)


@dataclass
class MailboxService:
    sessions: async_sessionmaker[AsyncSession]
    desk: DeskService
    folder: Path  # attachments
    mailer: Mailer | None
    address: str  # vcc's own: replies come from it
    queues: Mapping[str, str]  # recipient address → queue (lowercase)
    default_queue: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)

    # -- in --------------------------------------------------------------------------------
    async def receive(self, raw: bytes, mail_from: str, recipients: list[str]) -> str:
        """An email came in: on record and on the desk. Returns its work id.
        InvalidInput (the listener refuses the message with it): not an email we take."""
        message = await asyncio.to_thread(mail.parse, raw)  # seconds of CPU on hostile mail
        queue = next((self.queues[r.lower()] for r in recipients if r.lower() in self.queues),
                     self.default_queue)  # fmt: skip
        async with self.sessions() as session:
            case_id = await self._case_answered(session, message)
            customer = await match_customer(session, email=message.sender)
        item = await self.desk.arrive(
            Channel.EMAIL, queue, title=message.subject or "(no subject)", from_=message.sender,
            customer_id=customer.id if customer is not None else None,
        )  # fmt: skip
        async with self.sessions() as session:
            row = MailMessage(
                interaction_id=item.id, case_id=case_id, direction=MailDirection.IN,
                message_id=message.message_id[:255] or f"<{uuid.uuid4().hex}@unknown>",
                in_reply_to=message.in_reply_to[:255], refs=" ".join(message.references),
                sender=message.sender, recipients=", ".join(message.to)[:1000],
                subject=message.subject, body=message.text, at=self.clock(),
            )  # fmt: skip
            session.add(row)
            await session.flush()
            for n, attachment in enumerate(message.attachments, start=1):
                stored_as = f"{row.id}-{n}"
                (self.folder / stored_as).write_bytes(attachment.data)
                session.add(MailAttachment(
                    mail_id=row.id, filename=mail.safe_filename(attachment.filename),
                    stored_as=stored_as, content_type=_content_type(attachment.content_type),
                    size=len(attachment.data),
                ))  # fmt: skip
            await session.commit()
        log.info("email from %s into %s (%d attachments)", message.sender, queue,
                 len(message.attachments))  # fmt: skip
        return item.id

    async def _case_answered(self, session: AsyncSession, message: mail.InboundEmail) -> int | None:
        """The case a message continues: by the tag in its subject, else by the
        message it answers."""
        number = mail.case_number(message.subject)
        if number is not None and await session.get(CrmCase, number) is not None:
            return number
        answered = [m for m in (message.in_reply_to, *message.references) if m]
        if not answered:
            return None
        found = await session.scalars(
            select(MailMessage.case_id).where(
                MailMessage.message_id.in_(answered[-20:]), MailMessage.case_id.is_not(None)
            )
        )
        case_id = found.first()
        return None if case_id is None else int(case_id)

    # -- the agent -------------------------------------------------------------------------
    async def accept(self, work_id: str, agent_id: str) -> dict[str, Any]:
        """The agent takes the email: its case is opened (and its sender becomes a
        customer) unless it continues one."""
        await self.desk.accept(work_id, agent_id)
        async with self.sessions() as session:
            first = await self._first(session, work_id)
            if first.case_id is None:
                customer = await match_customer(session, email=first.sender)
                if customer is None:
                    customer = Customer(name=first.sender, email=first.sender, company="",
                                        notes="", created_at=self.clock())  # fmt: skip
                    session.add(customer)
                    await session.flush()
                case = await open_case(session, customer.id, first.subject or "(no subject)",
                                       agent_id, work_id, self.clock())  # fmt: skip
                first.case_id = case.id
            await session.commit()
        return await self.thread(work_id)

    async def thread(self, work_id: str) -> dict[str, Any]:
        """The email and, once it has a case, every message of that case."""
        async with self.sessions() as session:
            first = await self._first(session, work_id)
            statement = select(MailMessage).order_by(MailMessage.at, MailMessage.id)
            if first.case_id is not None:
                statement = statement.where(MailMessage.case_id == first.case_id)
            else:
                statement = statement.where(MailMessage.id == first.id)
            messages = list(await session.scalars(statement))
            attachments = await session.scalars(
                select(MailAttachment).where(MailAttachment.mail_id.in_([m.id for m in messages]))
                .order_by(MailAttachment.id)
            )  # fmt: skip
            files: dict[int, list[dict[str, Any]]] = {}
            for a in attachments:
                files.setdefault(a.mail_id, []).append(
                    {"id": a.id, "filename": a.filename, "content_type": a.content_type,
                     "size": a.size})  # fmt: skip
        return {"work_id": work_id, "case_id": first.case_id,
                "messages": [_view(m, files.get(m.id, [])) for m in messages]}  # fmt: skip

    async def reply(self, work_id: str, agent_id: str, text: str) -> dict[str, Any]:
        self.desk.owned_by(work_id, agent_id)
        if self.mailer is None:
            raise InvalidInput("vcc sends no email here", hint="an admin sets smtp_host")
        async with self.sessions() as session:
            first = await self._first(session, work_id)
            if first.case_id is None:
                raise InvalidInput("accept the email first")
            original = mail.InboundEmail(
                sender=first.sender, sender_name="", to=(self.address,), subject=first.subject,
                message_id=first.message_id, in_reply_to=first.in_reply_to,
                references=tuple(first.refs.split()), text=first.body, attachments=(),
            )  # fmt: skip
            domain = self.address.partition("@")[2]
            outgoing = mail.reply(original, case_id=first.case_id, from_address=self.address,
                                  text=text.strip(), domain=domain)  # fmt: skip
            await self.mailer.send_message(outgoing)
            row = MailMessage(
                interaction_id=work_id, case_id=first.case_id, direction=MailDirection.OUT,
                message_id=str(outgoing["Message-ID"]), in_reply_to=first.message_id,
                refs=str(outgoing.get("References", "")), sender=self.address,
                recipients=first.sender, subject=str(outgoing["Subject"]),
                body=text.strip(), agent_id=agent_id, at=self.clock(),
            )  # fmt: skip
            session.add(row)
            await session.commit()
            return _view(row, [])

    async def attachment(self, attachment_id: int) -> tuple[Path, str, str, str | None]:
        """An attachment's file, display name, type and the email's work id."""
        async with self.sessions() as session:
            found = await session.get(MailAttachment, attachment_id)
            mail_row = await session.get(MailMessage, found.mail_id) if found else None
        if found is None or not (self.folder / found.stored_as).is_file():
            raise NotFound(f"attachment {attachment_id} does not exist")
        work_id = mail_row.interaction_id if mail_row is not None else None
        return self.folder / found.stored_as, found.filename, found.content_type, work_id

    @staticmethod
    async def _first(session: AsyncSession, work_id: str) -> MailMessage:
        found = await session.scalars(
            select(MailMessage).where(
                MailMessage.interaction_id == work_id[:64],
                MailMessage.direction == MailDirection.IN,
            ).order_by(MailMessage.id)
        )  # fmt: skip
        first = found.first()
        if first is None:
            raise NotFound(f"no email {work_id[:40]!r}")
        return first


def _content_type(value: str) -> str:
    """A MIME type as sent, if it looks like one (it only labels a download)."""
    kind = value.strip().lower()[:100]
    main, _, sub = kind.partition("/")
    ok = main.isascii() and sub and all(c.isalnum() or c in "+-._" for c in main + sub)
    return kind if ok else "application/octet-stream"


def _view(m: MailMessage, attachments: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": m.id, "direction": m.direction.value, "from": m.sender, "to": m.recipients,
            "subject": m.subject, "text": m.body, "at": m.at.isoformat(),
            "message_id": m.message_id, "agent_id": m.agent_id,
            "attachments": attachments}  # fmt: skip
