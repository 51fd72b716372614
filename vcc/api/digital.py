"""Omnichannel over HTTP: the desk (an agent's chats, emails and voicemails: accept,
decline, end), chat lines and typing, email threads and replies, voicemail audio
and call-back, agent-to-agent chat, the CRM, FAQ and knowledge base; and the public
side of web chat (the widget starts a chat and talks over its own WebSocket).
Thin: vcc.digital does the work."""

from __future__ import annotations

from aiohttp import web

from vcc.api.app import acting_for, body, context, path_number, principal
from vcc.api.routes import PUBLIC, Access, Route
from vcc.api.schema import Field
from vcc.core.access import Permission, allowed
from vcc.core.channels import Channel
from vcc.digital.service import DigitalService
from vcc.errors import AccessDenied, InvalidInput

WORK = Access(any=Permission.ANY_WORK, own=Permission.OWN_WORK)
OWN_WORK = Access(own=Permission.OWN_WORK)
CRM = Access(any=Permission.CRM)
HELP_ADMIN = Access(any=Permission.MANAGE_HELP)
VIEW = Access(any=Permission.VIEW_QUEUES)


def digital(request: web.Request) -> DigitalService:
    service = context(request).digital
    if service is None:
        raise InvalidInput("chat, email and voicemail are not set up on this vcc")
    return service


def me(request: web.Request) -> str:
    return acting_for(request, None)


def work_id(request: web.Request) -> str:
    value = request.match_info["work_id"]
    if len(value) > 64 or not all(c.isascii() and (c.isalnum() or c == "-") for c in value):
        raise InvalidInput("'work_id' is an interaction id")
    return value


# -- the desk -------------------------------------------------------------------------------
async def agent_work(request: web.Request) -> web.Response:
    agent_id = acting_for(request, request.match_info["agent_id"])
    return web.json_response([i.view() for i in digital(request).desk.of(agent_id)])


async def desk_status(request: web.Request) -> web.Response:
    desk = digital(request).desk
    capacity = desk.capacity
    own = {agent: {c.value: capacity.limit(agent, c) for c in Channel}
           for agent in capacity.per_agent}  # fmt: skip
    return web.json_response({"agents": desk.loads(), "waiting": desk.waiting(),
                              "capacity": {c.value: n for c, n in capacity.limits.items()},
                              "agent_capacity": own})  # fmt: skip


async def accept(request: web.Request) -> web.Response:
    service, work, agent_id = digital(request), work_id(request), me(request)
    item = service.desk.get(work)
    if item is not None and item.channel is Channel.EMAIL:
        await service.mailbox.accept(work, agent_id)
    else:
        await service.desk.accept(work, agent_id)
    return web.json_response(service.desk.owned_by(work, agent_id).view())


async def decline(request: web.Request) -> web.Response:
    digital(request).desk.decline(work_id(request), me(request))
    return web.json_response({"declined": True})


async def end(request: web.Request) -> web.Response:
    service, work, agent_id = digital(request), work_id(request), me(request)
    item = service.desk.owned_by(work, agent_id)
    if item.channel is Channel.CHAT:
        await service.chats.end(work)
    else:
        await service.desk.end(work)
    return web.json_response({"ended": True})


# -- chat ------------------------------------------------------------------------------------
async def may_see(request: web.Request, work: str | None) -> None:
    """Supervisors see every chat, email and voicemail; an agent those offered to or
    handled by them."""
    if _may_see_all(request):
        return
    if work is None or not await digital(request).desk.held_by(work, principal(request).agent_id):
        raise AccessDenied("this is not your chat, email or voicemail")


async def visible_work(request: web.Request) -> str:
    """The path's work id, once the caller may see that work."""
    work = work_id(request)
    await may_see(request, work)
    return work


async def chat(request: web.Request) -> web.Response:
    return web.json_response(await digital(request).chats.chat_of(await visible_work(request)))


async def chat_say(request: web.Request) -> web.Response:
    said = await digital(request).chats.agent_says(work_id(request), me(request),
                                                   body(request)["text"])  # fmt: skip
    return web.json_response(said)


async def chat_typing(request: web.Request) -> web.Response:
    digital(request).chats.agent_typing(work_id(request), me(request))
    return web.json_response({"typing": True})


async def agent_chat(request: web.Request) -> web.Response:
    other = request.query.get("with", "")[:32]
    return web.json_response(await digital(request).chats.between(me(request), other))


async def agent_chat_send(request: web.Request) -> web.Response:
    data = body(request)
    return web.json_response(await digital(request).chats.to_agent(me(request), data["to"],
                                                                   data["text"]))  # fmt: skip


# -- email and voicemail -----------------------------------------------------------------------
async def email_thread(request: web.Request) -> web.Response:
    return web.json_response(await digital(request).mailbox.thread(await visible_work(request)))


async def email_reply(request: web.Request) -> web.Response:
    sent = await digital(request).mailbox.reply(work_id(request), me(request),
                                                body(request)["text"])  # fmt: skip
    return web.json_response(sent)


async def attachment(request: web.Request) -> web.StreamResponse:
    path, filename, content_type, work = await digital(request).mailbox.attachment(
        path_number(request, "attachment_id")
    )
    await may_see(request, work)
    # Always a download, never shown inline: a customer's file is no page of ours.
    return web.FileResponse(path, headers={
        "Content-Type": content_type, "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'attachment; filename="{filename}"',
    })  # fmt: skip


async def voicemail_audio(request: web.Request) -> web.StreamResponse:
    path = await digital(request).voicemail.audio(await visible_work(request))
    return web.FileResponse(path, headers={"Content-Type": "audio/wav"})


async def voicemail_call_back(request: web.Request) -> web.Response:
    service, work, agent_id = digital(request), work_id(request), me(request)
    service.desk.owned_by(work, agent_id)
    caller = await service.voicemail.caller_of(work)
    call_id = await context(request).calls.click_to_dial(agent_id, caller)
    return web.json_response({"call_id": call_id, "number": caller})


# -- CRM ----------------------------------------------------------------------------------------
async def customers(request: web.Request) -> web.Response:
    return web.json_response(await digital(request).crm.search(request.query.get("q", "")))


async def customer_match(request: web.Request) -> web.Response:
    phone = request.query.get("phone", "")[:40] or None
    email = request.query.get("email", "")[:254] or None
    found = await digital(request).crm.match(phone=phone, email=email)
    if found is None:
        return web.json_response(None)
    return web.json_response(await digital(request).crm.customer(found.id))


async def add_customer(request: web.Request) -> web.Response:
    return web.json_response(await digital(request).crm.add_customer(body(request)), status=201)


async def get_customer(request: web.Request) -> web.Response:
    return web.json_response(
        await digital(request).crm.customer(path_number(request, "customer_id"))
    )


async def put_customer(request: web.Request) -> web.Response:
    changed = await digital(request).crm.update_customer(path_number(request, "customer_id"),
                                                         body(request))  # fmt: skip
    return web.json_response(changed)


async def add_case(request: web.Request) -> web.Response:
    data = body(request)
    case = await digital(request).crm.add_case(data.get("customer_id"), data["subject"],
                                               principal(request).agent_id)  # fmt: skip
    return web.json_response(case, status=201)


async def put_case_status(request: web.Request) -> web.Response:
    case = await digital(request).crm.set_case_status(path_number(request, "case_id"),
                                                      body(request)["status"])  # fmt: skip
    return web.json_response(case)


async def add_task(request: web.Request) -> web.Response:
    data = body(request)
    task = await digital(request).crm.add_task(
        data["title"], customer_id=data.get("customer_id"), case_id=data.get("case_id"),
        due=data.get("due"), agent_id=principal(request).agent_id,
    )  # fmt: skip
    return web.json_response(task, status=201)


async def put_task_done(request: web.Request) -> web.Response:
    task = await digital(request).crm.set_task_done(path_number(request, "task_id"),
                                                    body(request)["done"])  # fmt: skip
    return web.json_response(task)


# -- FAQ and knowledge base -------------------------------------------------------------------
async def articles(request: web.Request) -> web.Response:
    kind = request.query.get("kind") or None
    found = await digital(request).crm.articles(request.query.get("q", "")[:200], kind)
    return web.json_response(found)


async def add_article(request: web.Request) -> web.Response:
    return web.json_response(await digital(request).crm.save_article(None, body(request)),
                             status=201)  # fmt: skip


async def put_article(request: web.Request) -> web.Response:
    saved = await digital(request).crm.save_article(
        path_number(request, "article_id"), body(request)
    )
    return web.json_response(saved)


async def delete_article(request: web.Request) -> web.Response:
    await digital(request).crm.delete_article(path_number(request, "article_id"))
    return web.json_response({"deleted": True})


# -- the public side of web chat ----------------------------------------------------------------
async def start_chat(request: web.Request) -> web.Response:
    data = body(request)
    chat_id, token = await digital(request).chats.start(
        data["queue"], data["name"], data.get("email") or None, data["text"]
    )
    return web.json_response({"chat_id": chat_id, "token": token}, status=201)


async def chat_socket(request: web.Request) -> web.StreamResponse:
    token = request.query.get("token", "")[:64]
    return await digital(request).chats.customer_socket(request, work_id(request), token)


def _may_see_all(request: web.Request) -> bool:
    return allowed(principal(request).role, Permission.ANY_WORK)


_ID = Field(int, required=False)
_CUSTOMER = {
    "name": Field(str, max_length=120), "phone": Field(str, required=False, max_length=40),
    "email": Field(str, required=False, max_length=254),
    "company": Field(str, required=False, max_length=120),
    "notes": Field(str, required=False, max_length=5000, lines=True),
}  # fmt: skip
_ARTICLE = {
    "kind": Field(str, choices=("faq", "article")), "title": Field(str, max_length=200),
    "body": Field(str, max_length=20_000, lines=True),
    "tags": Field(str, required=False, max_length=500),
}  # fmt: skip
_TEXT = {"text": Field(str, max_length=10_000, lines=True)}

DIGITAL_ROUTES: list[Route] = [
    Route("GET", "/agents/{agent_id}/work", agent_work, WORK,
          "An agent's chats, emails and voicemails: offered and accepted", tag="desk"),
    Route("GET", "/desk", desk_status, VIEW,
          "Per agent, what they hold per channel; per queue, what waits", tag="desk"),
    Route("POST", "/work/{work_id}/accept", accept, OWN_WORK,
          "Accept a chat, email or voicemail offered to you", tag="desk"),
    Route("POST", "/work/{work_id}/decline", decline, OWN_WORK,
          "Decline an offer: it goes to someone else", tag="desk"),
    Route("POST", "/work/{work_id}/end", end, OWN_WORK,
          "End a chat, email or voicemail you accepted", tag="desk"),
    Route("GET", "/chats/{work_id}", chat, WORK, "A chat and its transcript", tag="chat"),
    Route("POST", "/chats/{work_id}/messages", chat_say, OWN_WORK, "Write in a chat",
          {"text": Field(str, max_length=2000, lines=True)}, tag="chat"),
    Route("POST", "/chats/{work_id}/typing", chat_typing, OWN_WORK,
          "Tell the customer you are typing", tag="chat"),
    Route("GET", "/agent-chat", agent_chat, OWN_WORK,
          "Your chat with another agent (?with=agent id)", tag="chat"),
    Route("POST", "/agent-chat", agent_chat_send, OWN_WORK, "Write to another agent",
          {"to": Field(str, max_length=32), "text": Field(str, max_length=2000, lines=True)},
          tag="chat"),
    Route("GET", "/emails/{work_id}", email_thread, WORK, "An email and its case's thread",
          tag="email"),
    Route("POST", "/emails/{work_id}/reply", email_reply, OWN_WORK,
          "Reply to an email you accepted (threaded, through SMTP)", _TEXT, tag="email"),
    Route("GET", "/attachments/{attachment_id}", attachment, WORK,
          "Download an email's attachment", tag="email"),
    Route("GET", "/voicemails/{work_id}/audio", voicemail_audio, WORK,
          "Play a voicemail (WAV)", tag="voicemail"),
    Route("POST", "/voicemails/{work_id}/call-back", voicemail_call_back, OWN_WORK,
          "Call the caller back, your phone first", tag="voicemail"),
    Route("GET", "/customers", customers, CRM, "Find customers (?q=)", tag="crm"),
    Route("GET", "/customers/match", customer_match, CRM,
          "The customer with this number or address (?phone= or ?email=): the screen-pop",
          tag="crm"),
    Route("POST", "/customers", add_customer, CRM, "Add a customer", _CUSTOMER, tag="crm"),
    Route("GET", "/customers/{customer_id}", get_customer, CRM,
          "A customer with cases, tasks and history", tag="crm"),
    Route("PUT", "/customers/{customer_id}", put_customer, CRM, "Change a customer",
          _CUSTOMER, tag="crm"),
    Route("POST", "/cases", add_case, CRM, "Open a case",
          {"customer_id": _ID, "subject": Field(str, max_length=300)}, tag="crm"),
    Route("PUT", "/cases/{case_id}/status", put_case_status, CRM, "Close or reopen a case",
          {"status": Field(str, choices=("open", "closed"))}, tag="crm"),
    Route("POST", "/tasks", add_task, CRM, "Add a task for a customer or case",
          {"title": Field(str, max_length=300), "customer_id": _ID, "case_id": _ID,
           "due": Field(str, required=False, max_length=10)}, tag="crm"),
    Route("PUT", "/tasks/{task_id}/done", put_task_done, CRM, "Mark a task done or not",
          {"done": Field(bool)}, tag="crm"),
    Route("GET", "/help", articles, CRM, "Search the FAQ and knowledge base (?q=, ?kind=)",
          tag="help"),
    Route("POST", "/help", add_article, HELP_ADMIN, "Add an FAQ answer or article", _ARTICLE,
          tag="help"),
    Route("PUT", "/help/{article_id}", put_article, HELP_ADMIN, "Change an article", _ARTICLE,
          tag="help"),
    Route("DELETE", "/help/{article_id}", delete_article, HELP_ADMIN, "Delete an article",
          tag="help"),
    Route("POST", "/public/chats", start_chat, PUBLIC, "Start a web chat (the widget)",
          {"queue": Field(str, max_length=32), "name": Field(str, max_length=80),
           "email": Field(str, required=False, max_length=254),
           "text": Field(str, max_length=2000, lines=True)}, tag="chat"),
    Route("GET", "/public/chats/{work_id}/socket", chat_socket, PUBLIC,
          "WebSocket of a customer's chat (?token= from starting it)", tag="chat"),
]  # fmt: skip
