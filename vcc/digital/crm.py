"""CRM: customers (found by phone number or email), their cases and tasks, and the
history of their interactions; and the FAQ and knowledge base agents draw on.

Everything users type is checked here, at the edge of the store: names and texts
as plain text of bounded length, numbers as vcc.validate says, addresses strictly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vcc import validate
from vcc.core.notifications import text
from vcc.errors import InvalidInput, NotFound
from vcc.store.models import (
    CaseStatus,
    CrmCase,
    CrmTask,
    Customer,
    HelpArticle,
    HelpKind,
    Interaction,
)
from vcc.wfm.mail import email_address

MAX_NAME = 120
MAX_NOTES = 5000
MAX_SUBJECT = 300
MAX_ARTICLE = 20_000
HISTORY = 50  # interactions shown in a customer's history


def customer_view(c: Customer) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "phone": c.phone, "email": c.email,
            "company": c.company, "notes": c.notes}  # fmt: skip


def case_view(c: CrmCase) -> dict[str, Any]:
    return {"id": c.id, "customer_id": c.customer_id, "subject": c.subject,
            "status": c.status.value, "agent_id": c.agent_id,
            "interaction_id": c.interaction_id, "created_at": c.created_at.isoformat(),
            "closed_at": c.closed_at.isoformat() if c.closed_at else None}  # fmt: skip


def task_view(t: CrmTask) -> dict[str, Any]:
    return {"id": t.id, "customer_id": t.customer_id, "case_id": t.case_id, "title": t.title,
            "due": t.due.isoformat() if t.due else None, "done": t.done,
            "agent_id": t.agent_id}  # fmt: skip


def article_view(a: HelpArticle) -> dict[str, Any]:
    return {"id": a.id, "kind": a.kind.value, "title": a.title, "body": a.body,
            "tags": a.tags, "updated_at": a.updated_at.isoformat()}  # fmt: skip


def _optional(value: object, check: Callable[[str], str]) -> str | None:
    if value is None or value == "":
        return None
    return check(str(value))


def _phone(value: str) -> str:
    return validate.phone_number(value, what="customer phone number")


def _plain(
    value: object, what: str, limit: int, *, lines: bool = False, empty: bool = False
) -> str:
    raw = str(value or "")
    if empty and not raw.strip():
        return ""
    return text(raw, what=what, limit=limit, lines=lines)


@dataclass
class Crm:
    sessions: async_sessionmaker[AsyncSession]
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    # -- customers ------------------------------------------------------------------------
    async def add_customer(self, fields: dict[str, Any]) -> dict[str, Any]:
        customer = Customer(created_at=self.clock())
        self._fill(customer, fields)
        async with self.sessions() as session:
            session.add(customer)
            await session.commit()
            return customer_view(customer)

    async def update_customer(self, customer_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        async with self.sessions() as session:
            customer = await self._customer(session, customer_id)
            self._fill(customer, {**customer_view(customer), **fields})
            await session.commit()
            return customer_view(customer)

    @staticmethod
    def _fill(customer: Customer, fields: dict[str, Any]) -> None:
        customer.name = _plain(fields.get("name"), "a customer's name", MAX_NAME)
        customer.phone = _optional(fields.get("phone"), _phone)
        customer.email = _optional(fields.get("email"), lambda v: email_address(v).lower())
        customer.company = _plain(fields.get("company"), "company", MAX_NAME, empty=True)
        customer.notes = _plain(fields.get("notes"), "notes", MAX_NOTES, lines=True, empty=True)
        if customer.phone is None and customer.email is None:
            raise InvalidInput("give the customer a phone number or an email address",
                               hint="vcc finds customers again by them")  # fmt: skip

    async def customer(self, customer_id: int) -> dict[str, Any]:
        async with self.sessions() as session:
            customer = await self._customer(session, customer_id)
            view = customer_view(customer)
            cases = await session.scalars(
                select(CrmCase).where(CrmCase.customer_id == customer_id)
                .order_by(CrmCase.created_at.desc())
            )  # fmt: skip
            tasks = await session.scalars(
                select(CrmTask).where(CrmTask.customer_id == customer_id)
                .order_by(CrmTask.done, CrmTask.due, CrmTask.id)
            )  # fmt: skip
            view["cases"] = [case_view(c) for c in cases]
            view["tasks"] = [task_view(t) for t in tasks]
            view["history"] = await self._history(session, customer)
            return view

    async def search(self, query: str) -> list[dict[str, Any]]:
        """Customers whose name, number, email or company contains ``query``."""
        query = query.strip()[:100]
        if not query:
            return []
        like = _like(query)
        async with self.sessions() as session:
            found = await session.scalars(
                select(Customer).where(or_(
                    Customer.name.ilike(like, escape="\\"),
                    Customer.phone.ilike(like, escape="\\"),
                    Customer.email.ilike(like, escape="\\"),
                    Customer.company.ilike(like, escape="\\"),
                )).order_by(Customer.name).limit(50)
            )  # fmt: skip
            return [customer_view(c) for c in found]

    async def match(self, *, phone: str | None = None, email: str | None = None) -> Customer | None:
        """The customer with this number or address (the screen-pop; the oldest if
        several): numbers match on their digits, so +31 20 123 and 020123 differ."""
        async with self.sessions() as session:
            return await match_customer(session, phone=phone, email=email)

    async def _history(self, session: AsyncSession, customer: Customer) -> list[dict[str, Any]]:
        keys = [k for k in (customer.phone, customer.email) if k]
        rows = await session.scalars(
            select(Interaction).where(Interaction.caller.in_(keys))
            .order_by(Interaction.enqueued_at.desc()).limit(HISTORY)
        )  # fmt: skip
        return [
            {"id": i.id, "kind": i.kind.value, "queue_id": i.queue_id, "agent_id": i.agent_id,
             "at": i.enqueued_at.isoformat(), "outcome": i.outcome.value if i.outcome else None,
             "disposition": i.disposition}
            for i in rows
        ]  # fmt: skip

    @staticmethod
    async def _customer(session: AsyncSession, customer_id: int) -> Customer:
        return await _row(session, Customer, customer_id, "customer")

    # -- cases and tasks ------------------------------------------------------------------
    async def add_case(
        self, customer_id: int | None, subject: str, agent_id: str | None,
        interaction_id: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        async with self.sessions() as session:
            case = await open_case(session, customer_id, subject, agent_id, interaction_id,
                                   self.clock())  # fmt: skip
            await session.commit()
            return case_view(case)

    async def set_case_status(self, case_id: int, status: str) -> dict[str, Any]:
        try:
            wanted = CaseStatus(status)
        except ValueError:
            raise InvalidInput("a case's status is open or closed") from None
        async with self.sessions() as session:
            case = await _row(session, CrmCase, case_id, "case")
            case.status = wanted
            case.closed_at = self.clock() if wanted is CaseStatus.CLOSED else None
            await session.commit()
            return case_view(case)

    async def add_task(
        self, title: str, *, customer_id: int | None, case_id: int | None, due: str | None,
        agent_id: str | None,
    ) -> dict[str, Any]:  # fmt: skip
        if customer_id is None and case_id is None:
            raise InvalidInput("a task is for a customer or a case: name one")
        try:
            day = date.fromisoformat(due) if due else None
        except ValueError:
            raise InvalidInput("'due' is a date like 2026-12-01") from None
        async with self.sessions() as session:
            if customer_id is not None:
                await self._customer(session, customer_id)
            if case_id is not None:
                await _row(session, CrmCase, case_id, "case")
            task = CrmTask(customer_id=customer_id, case_id=case_id, due=day, done=False,
                           title=_plain(title, "a task's title", MAX_SUBJECT),
                           agent_id=agent_id, created_at=self.clock())  # fmt: skip
            session.add(task)
            await session.commit()
            return task_view(task)

    async def set_task_done(self, task_id: int, done: bool) -> dict[str, Any]:
        async with self.sessions() as session:
            task = await _row(session, CrmTask, task_id, "task")
            task.done = done
            await session.commit()
            return task_view(task)

    # -- FAQ and knowledge base -----------------------------------------------------------
    async def articles(self, query: str = "", kind: str | None = None) -> list[dict[str, Any]]:
        """Articles whose title, body or tags contain every word of ``query``."""
        words = [w for w in query.lower().split() if w][:8]
        async with self.sessions() as session:
            statement = select(HelpArticle).order_by(HelpArticle.kind, HelpArticle.title)
            if kind is not None:
                statement = statement.where(HelpArticle.kind == _help_kind(kind))
            for word in words:
                like = _like(word)
                statement = statement.where(or_(
                    HelpArticle.title.ilike(like, escape="\\"),
                    HelpArticle.body.ilike(like, escape="\\"),
                    HelpArticle.tags.ilike(like, escape="\\"),
                ))  # fmt: skip
            return [article_view(a) for a in await session.scalars(statement.limit(100))]

    async def save_article(self, article_id: int | None, fields: dict[str, Any]) -> dict[str, Any]:
        async with self.sessions() as session:
            if article_id is None:
                article = HelpArticle()
                session.add(article)
            else:
                article = await _row(session, HelpArticle, article_id, "article")
            article.kind = _help_kind(str(fields.get("kind", "faq")))
            article.title = _plain(fields.get("title"), "a title", 200)
            article.body = _plain(fields.get("body"), "the text", MAX_ARTICLE, lines=True)
            article.tags = _plain(fields.get("tags"), "tags", 500, empty=True)
            article.updated_at = self.clock()
            await session.commit()
            return article_view(article)

    async def delete_article(self, article_id: int) -> None:
        async with self.sessions() as session:
            await session.delete(await _row(session, HelpArticle, article_id, "article"))
            await session.commit()


R = TypeVar("R", Customer, CrmCase, CrmTask, HelpArticle)


async def _row(session: AsyncSession, model: type[R], key: int, what: str) -> R:
    """The row ``key`` of ``model`` (NotFound, naming ``what``, if there is none)."""
    found = await session.get(model, key)
    if found is None:
        raise NotFound(f"{what} {key} does not exist")
    return found


def _like(words: str) -> str:
    """A LIKE pattern that finds ``words`` as typed (its % and _ mean themselves)."""
    return "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _help_kind(kind: str) -> HelpKind:
    try:
        return HelpKind(kind)
    except ValueError:
        raise InvalidInput("an article's kind is faq or article") from None


async def match_customer(
    session: AsyncSession, *, phone: str | None = None, email: str | None = None
) -> Customer | None:
    conditions = []
    if phone:
        conditions.append(Customer.phone == phone)
    if email:
        conditions.append(Customer.email == email.lower())
    if not conditions:
        return None
    found = await session.scalars(select(Customer).where(or_(*conditions)).order_by(Customer.id))
    return found.first()


async def open_case(
    session: AsyncSession, customer_id: int | None, subject: str, agent_id: str | None,
    interaction_id: str | None, at: datetime,
) -> CrmCase:  # fmt: skip
    if customer_id is not None:
        await _row(session, Customer, customer_id, "customer")
    case = CrmCase(customer_id=customer_id, subject=_plain(subject, "a subject", MAX_SUBJECT),
                   status=CaseStatus.OPEN, agent_id=agent_id, interaction_id=interaction_id,
                   created_at=at)  # fmt: skip
    session.add(case)
    await session.flush()
    return case
