"""Chats, emails, the CRM and the FAQ through the API: offers reach the right agent
over the WebSocket, capacity is kept, ending frees it, the call router is told;
email arrives through vcc's SMTP listener, becomes a case when accepted and the
reply reaches the customer's mailbox threaded; bad input is refused, changing
nothing."""

from __future__ import annotations

import asyncio
import smtplib
from typing import cast

import pytest
from sqlalchemy import func, select

from tests.digital.conftest import Desk, email_to_vcc, send_to_vcc
from tests.harness.api import MAILBOX, StandInPbx
from tests.harness.until import eventually
from vcc.core.routing import CallerArrived, Tick
from vcc.digital import chat as chat_service
from vcc.digital.desk import DeskService
from vcc.pbx.events import OriginateRequest
from vcc.store.models import ChatMessage, CrmCase, Interaction, MailAttachment, MailMessage

HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


async def test_a_chat_reaches_an_agent_who_accepts_writes_and_ends_it(desk: Desk) -> None:
    anna, bob = await desk.events("anna"), await desk.events("bob")
    chat_id, token = await desk.start_chat()
    offered = await eventually(
        lambda: anna.of("work", event="offered") + bob.of("work", event="offered"), what="offer"
    )
    agent = offered[0]["work"]["agent_id"]
    user, other = ("anna", "bob") if agent == "1001" else ("bob", "anna")
    listener = anna if user == "anna" else bob
    customer = await desk.customer(chat_id, token)
    await customer.wait("message", text="Waar blijft mijn pakket?")

    # Nobody else may take it, and the desk counts it against the agent from the offer.
    await desk.refused("POST", f"/work/{chat_id}/accept", other, status=409)
    assert desk.load(agent) == 1
    await desk.ok("POST", f"/work/{chat_id}/accept", user)
    await customer.wait("accepted")
    await desk.refused("GET", f"/chats/{chat_id}", other, status=403)  # not theirs to read
    # The router hears of it: no call for this agent while chatting.
    await eventually(lambda: desk.engine.state.agents[agent].busy_elsewhere, what="busy elsewhere")

    await desk.ok("POST", f"/chats/{chat_id}/typing", user)
    await customer.wait("typing")
    await desk.ok("POST", f"/chats/{chat_id}/messages", user, {"text": "Ik kijk het na."})
    await customer.wait("message", text="Ik kijk het na.")
    await customer.ws.send_json({"type": "typing"})
    await listener.wait("chat-typing", chat_id=chat_id)
    await customer.ws.send_json({"type": "message", "text": HOSTILE})
    # Kept as written (the pages show it as text, never as markup).
    await eventually(
        lambda: [
            m for m in listener.of("chat", chat_id=chat_id) if m["message"]["text"] == HOSTILE
        ],
        what="the customer's line at the agent",
    )

    # The customer closes the window: the agent is told; back with the token, all is there.
    await customer.close()
    await listener.wait("chat-left", chat_id=chat_id)
    customer = await desk.customer(chat_id, token)
    await customer.wait("message", text=HOSTILE)
    await desk.ok("POST", f"/work/{chat_id}/end", user)
    await customer.wait("ended")
    assert desk.load(agent) == 0
    await eventually(lambda: not desk.engine.state.agents[agent].busy_elsewhere, what="free again")
    view = await desk.ok("GET", f"/chats/{chat_id}", user)
    assert [m["from"] for m in view["messages"]] == ["customer", "agent", "customer", "system"]
    async with desk.api.digital.chats.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ChatMessage)) == 4
        row = await session.get(Interaction, chat_id)
        assert row is not None
        assert (row.outcome, row.agent_id) == ("answered", agent)
    for listener_ in (anna, bob, customer):
        await listener_.close()


async def test_capacity_holds_and_a_declined_chat_goes_to_the_other_agent(desk: Desk) -> None:
    # Six chats for anna (2 at most) and bob (his own limit: 3): the least loaded
    # first, then each up to their limit; one waits.
    chats = [await desk.start_chat(f"vraag {n}") for n in range(6)]
    await eventually(lambda: desk.load("1001") == 2 and desk.load("1002") == 3,
                     what="2 for anna, 3 for bob")  # fmt: skip
    assert desk.api.digital.desk.waiting()["support"]["chat"] == 1
    status = await desk.ok("GET", "/desk", "sup")
    assert status["capacity"] == {"chat": 2, "email": 1, "voicemail": 1}
    assert status["agent_capacity"] == {"1002": {"chat": 3, "email": 1, "voicemail": 1}}
    # Anna declines one of hers: it may go to no one at capacity; it waits (before the
    # later one), then goes to bob the moment he ends one.
    mine = [i for i in desk.api.digital.desk.of("1001")]
    await desk.ok("POST", f"/work/{mine[0].id}/decline", "anna")
    bobs = desk.api.digital.desk.of("1002")
    for item in bobs:
        await desk.ok("POST", f"/work/{item.id}/accept", "bob")
    await desk.ok("POST", f"/work/{bobs[0].id}/end", "bob")
    await eventually(lambda: mine[0].id in [i.id for i in desk.api.digital.desk.of("1002")],
                     what="the declined chat offered to bob")  # fmt: skip
    assert len(chats) == 6


async def test_bad_chats_are_refused_and_leave_nothing(desk: Desk) -> None:
    for fields in (
        {"queue": "nowhere", "name": "Carla", "text": "hallo"},
        {"queue": "support", "name": "", "text": "hallo"},
        {"queue": "support", "name": "Carla", "text": ""},
        {"queue": "support", "name": "Carla", "text": "x" * 2001},
        {"queue": "support", "name": "Carla\u202e", "text": "hallo"},
        {"queue": "support", "name": "Carla", "text": "hallo", "email": "not-an-address"},
        {"queue": "support", "name": "Carla", "text": "hallo", "email": "a@b.c\r\nBcc: x@y.z"},
        {"queue": "../etc", "name": "Carla", "text": "hallo"},
        {"queue": "support", "name": 5, "text": "hallo"},
    ):
        await desk.refused("POST", "/public/chats", None, fields)
    chat_id, _ = await desk.start_chat()
    # Someone else's chat: the wrong token is refused.
    response = await desk.api.client.get(f"/api/v1/public/chats/{chat_id}/socket?token=guess")
    assert response.status == 403
    await desk.refused("POST", f"/chats/{chat_id}/messages", "anna", {"text": "hi"}, status=409)
    await desk.refused("POST", "/work/not-a-chat/accept", "anna", status=404)
    async with desk.api.digital.chats.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Interaction)) == 1


async def test_agents_chat_with_each_other(desk: Desk) -> None:
    bob = await desk.events("bob")
    await desk.ok("POST", "/agent-chat", "anna", {"to": "1002", "text": "Koffie?"})
    said = await bob.wait("agent-chat")
    assert (said["message"]["from"], said["message"]["text"]) == ("1001", "Koffie?")
    talk = await desk.ok("GET", "/agent-chat?with=1001", "bob")
    assert [(m["from"], m["text"], m["read"]) for m in talk] == [("1001", "Koffie?", True)]
    await desk.refused("POST", "/agent-chat", "anna", {"to": "1001", "text": "me"})
    await desk.refused("POST", "/agent-chat", "anna", {"to": "9999", "text": "x"}, status=404)
    await desk.refused("POST", "/agent-chat", "sup", {"to": "1001", "text": "x"})  # no agent
    await bob.close()


async def test_an_email_becomes_a_case_and_the_reply_arrives_threaded(desk: Desk) -> None:
    message = email_to_vcc("Factuur klopt niet", "Mijn factuur van november is te hoog.")
    message.add_attachment(b"%PDF-1.4 ...", maintype="application", subtype="pdf",
                           filename="../../etc/passwd")  # fmt: skip
    await send_to_vcc(desk, message)
    item = await eventually(
        lambda: [i for i in desk.api.digital.desk.items.values() if i.agent_id], what="an offer"
    )
    work = item[0]
    user = "anna" if work.agent_id == "1001" else "bob"
    thread = await desk.ok("GET", f"/emails/{work.id}", user)
    assert thread["case_id"] is None
    [first] = thread["messages"]
    assert first["from"] == "dirk@example.org"
    assert "te hoog" in first["text"]
    [attached] = first["attachments"]
    assert attached["filename"] == "passwd"  # the sender's path is gone
    await desk.ok("POST", f"/work/{work.id}/accept", user)
    other = "bob" if user == "anna" else "anna"
    await desk.refused("GET", f"/emails/{work.id}", other, status=403)
    await desk.refused("GET", f"/attachments/{attached['id']}", other, status=403)
    thread = await desk.ok("GET", f"/emails/{work.id}", user)
    assert thread["case_id"] is not None
    case_id = thread["case_id"]
    await desk.ok("POST", f"/emails/{work.id}/reply", user, {"text": "We passen het aan."})
    replies = await eventually(lambda: desk.mailbox.to("dirk@example.org"), what="the reply")
    reply = replies[0]
    assert reply["In-Reply-To"] == "<first@example.org>"
    assert "<first@example.org>" in reply["References"]
    assert reply["Subject"] == f"Re: Factuur klopt niet [case #{case_id}]"
    assert reply["From"] == MAILBOX
    # The download is the file under vcc's name, offered as an attachment.
    response = await desk.call("GET", f"/attachments/{attached['id']}", user)
    assert response.status == 200
    assert await response.read() == b"%PDF-1.4 ..."
    assert response.headers["Content-Disposition"] == 'attachment; filename="passwd"'
    stored = list(desk.api.digital.mailbox.folder.iterdir())
    assert [p.name for p in stored] == [f"{first['id']}-1"]
    await desk.ok("POST", f"/work/{work.id}/end", user)

    # The customer answers the reply: the same case, a new interaction.
    answer = email_to_vcc("Re: Factuur", "Dank u!", message_id="<second@example.org>",
                    In_Reply_To=reply["Message-ID"])  # fmt: skip
    await send_to_vcc(desk, answer)
    again = await eventually(lambda: [i for i in desk.api.digital.desk.items.values()
                                      if i.channel == "email"], what="the answer")  # fmt: skip
    later = await desk.ok("GET", f"/emails/{again[0].id}", "sup")
    assert later["case_id"] == case_id
    assert [m["direction"] for m in later["messages"]] == ["in", "out", "in"]
    async with desk.api.digital.chats.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CrmCase)) == 1


async def test_bad_emails_are_refused_by_the_listener_and_leave_nothing(desk: Desk) -> None:
    huge = email_to_vcc("Groot", "x" * (11 * 1024 * 1024))
    no_sender = email_to_vcc("Wie?", "anoniem")
    del no_sender["From"]
    no_sender["From"] = "<<<>>>"
    for message in (huge, no_sender):
        with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused)):
            await send_to_vcc(desk, message)
    with pytest.raises(smtplib.SMTPRecipientsRefused):  # no relay for other domains
        await send_to_vcc(desk, email_to_vcc("Elders", "hallo"), to="someone@elsewhere.example")
    async with desk.api.digital.chats.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(MailMessage)) == 0
        assert await session.scalar(select(func.count()).select_from(MailAttachment)) == 0
    assert list(desk.api.digital.mailbox.folder.iterdir()) == []


async def test_customers_cases_tasks_history_and_the_screen_pop(desk: Desk) -> None:
    customer = await desk.ok("POST", "/customers", "anna",
                             {"name": "Carla de Vries", "phone": "0201234567",
                              "email": "Carla@Example.org", "company": "Bakkerij"})  # fmt: skip
    assert customer["email"] == "carla@example.org"
    case = await desk.ok("POST", "/cases", "anna", {"customer_id": customer["id"],
                                                    "subject": "Levering te laat"})  # fmt: skip
    await desk.ok("POST", "/tasks", "anna", {"customer_id": customer["id"], "title": "Terugbellen",
                                             "due": "2026-12-01"})  # fmt: skip
    chat_id, _ = await desk.start_chat(email="carla@example.org")
    await eventually(lambda: desk.api.digital.desk.items[chat_id].agent_id, what="offered")
    assert desk.api.digital.desk.items[chat_id].customer_id == customer["id"]
    popped = await desk.ok("GET", "/customers/match?email=carla%40example.org", "bob")
    assert popped["name"] == "Carla de Vries"
    assert [c["subject"] for c in popped["cases"]] == ["Levering te laat"]
    assert [t["title"] for t in popped["tasks"]] == ["Terugbellen"]
    assert [h["kind"] for h in popped["history"]] == ["chat"]
    assert (await desk.ok("GET", "/customers/match?phone=0201234567", "bob"))["id"] == customer[
        "id"
    ]
    assert await desk.ok("GET", "/customers/match?phone=0999999999", "bob") is None
    assert [c["id"] for c in await desk.ok("GET", "/customers?q=bakk", "anna")] == [customer["id"]]
    assert await desk.ok("GET", "/customers?q=%25", "anna") == []  # % means itself
    closed = await desk.ok("PUT", f"/cases/{case['id']}/status", "anna", {"status": "closed"})
    assert closed["status"] == "closed"
    assert closed["closed_at"]
    for bad in (
        {"name": "X"},
        {"name": "X", "phone": "020;1"},
        {"name": "", "phone": "0201"},
        {"name": "X", "email": "x@y"},
        {"name": "X\u0000", "phone": "0201234567"},
    ):
        await desk.refused("POST", "/customers", "anna", bad)
    await desk.refused("POST", "/tasks", "anna", {"title": "nergens voor"})
    await desk.refused("POST", "/tasks", "anna", {"title": "t", "customer_id": 1, "due": "morgen"})
    await desk.refused("GET", "/customers/99999", "anna", status=404)
    await desk.refused("GET", "/customers/abc", "anna")


async def test_admins_write_the_faq_and_agents_search_it(desk: Desk) -> None:
    article = {"kind": "faq", "title": "Levertijd", "body": "Wij leveren binnen 2 werkdagen.",
               "tags": "bezorging pakket"}  # fmt: skip
    await desk.refused("POST", "/help", "anna", article, status=403)
    await desk.refused("POST", "/help", "sup", article, status=403)
    saved = await desk.ok("POST", "/help", "root", article)
    await desk.ok("POST", "/help", "root", {"kind": "article", "title": "Retouren",
                                            "body": "Zo werkt retour sturen."})  # fmt: skip
    found = await desk.ok("GET", "/help?q=pakket", "anna")
    assert [a["id"] for a in found] == [saved["id"]]
    assert [a["title"] for a in await desk.ok("GET", "/help?kind=article", "anna")] == ["Retouren"]
    await desk.refused("POST", "/help", "root", {**article, "kind": "rumour"})
    await desk.refused("PUT", "/help/99999", "root", article, status=404)
    await desk.ok("DELETE", f"/help/{saved['id']}", "root")
    assert await desk.ok("GET", "/help?q=pakket", "anna") == []


async def test_open_work_waits_again_after_a_restart(desk: Desk) -> None:
    """A new controller over the same database: open chats are back on the desk,
    offered again; ended ones stay ended."""
    open_chat, _ = await desk.start_chat("nog open")
    ended, _ = await desk.start_chat("al klaar")
    await eventually(lambda: desk.api.digital.desk.items[ended].agent_id, what="offered")
    await desk.api.digital.desk.end(ended)
    again = DeskService(desk.engine, desk.api.digital.desk.sessions, lambda message: None)
    await again.restore()
    assert list(again.items) == [open_chat]
    assert again.items[open_chat].agent_id is not None  # offered to an available agent


async def test_a_queue_with_too_many_waiting_chats_refuses_a_new_one(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chat door is public: a flood waits no deeper than the limit."""
    monkeypatch.setattr(chat_service, "MAX_WAITING", 2)
    for agent_id in ("1001", "1002"):
        await desk.ok("PUT", f"/agents/{agent_id}/status", "sup", {"status": "logged_out"})
    await desk.start_chat("een")
    await desk.start_chat("twee")
    third = {"queue": "support", "name": "Carla", "text": "drie"}
    error = await desk.refused("POST", "/public/chats", None, third, status=503)
    assert error["code"] == "chats-full"
    assert desk.api.digital.desk.waiting()["support"]["chat"] == 2


async def test_a_caller_queued_before_a_chat_offer_does_not_ring_the_chatting_agent(
    desk: Desk,
) -> None:
    """The engine is busy with the PBX (ringing one agent for a caller) while a second
    caller queues up and a chat is offered to the other agent: the desk's word that
    she is busy elsewhere is applied before that caller is routed, not after."""
    engine, pbx = desk.engine, cast(StandInPbx, desk.engine.driver)
    ringing, pbx_answers = asyncio.Event(), asyncio.Event()

    async def slow_originate(request: OriginateRequest) -> None:
        pbx.actions.append(("originate", request.endpoint, request.context))
        ringing.set()
        await pbx_answers.wait()

    pbx.originate = slow_originate  # type: ignore[method-assign]
    engine.submit(CallerArrived("call-1", "PJSIP/2001-1", "support", engine.clock()))
    await asyncio.wait_for(ringing.wait(), 5)
    first = next(o.agent_id for o in engine.state.offers.values() if o.call_id == "call-1")
    other = "1002" if first == "1001" else "1001"
    engine.submit(CallerArrived("call-2", "PJSIP/2002-1", "support", engine.clock()))
    chat_id, _ = await desk.start_chat()
    assert desk.api.digital.desk.items[chat_id].agent_id == other  # offered at once
    pbx_answers.set()
    await engine.ask(Tick(engine.clock()))  # all submitted before it is applied
    assert engine.state.agents[other].busy_elsewhere
    assert engine.state.agents[other].offer_id is None
    assert ("originate", f"PJSIP/{other}") not in [a[:2] for a in pbx.actions]
    assert [o.call_id for o in engine.state.offers.values()] == ["call-1"]
    assert "call-2" in [c.call_id for c in engine.state.waiting]  # waits for a free agent
