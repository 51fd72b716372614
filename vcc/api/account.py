"""Logging in, accounts, the agent's profile (desk phone) and notifications over HTTP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from vcc.api.app import COOKIE, acting_for, body, context, principal, token_of
from vcc.api.routes import PUBLIC, Access, Route
from vcc.api.schema import Field
from vcc.auth.service import Principal
from vcc.core.access import Permission, Role
from vcc.core.notifications import Audience, AudienceKind
from vcc.core.profile import DeskPhone
from vcc.errors import InvalidInput
from vcc.store import contacts


def principal_view(who: Principal) -> dict[str, Any]:
    return {"username": who.username, "role": who.role.value, "agent_id": who.agent_id}


# -- sessions ---------------------------------------------------------------------------
async def login(request: web.Request) -> web.Response:
    data = body(request)
    session = await context(request).auth.login(
        data["username"], data["password"], data.get("totp")
    )
    response = web.json_response(
        {"token": session.token, "user": principal_view(session.principal),
         "idle_timeout_seconds": context(request).auth.idle}
    )  # fmt: skip
    response.set_cookie(
        COOKIE, session.token, httponly=True, samesite="Strict", secure=request.secure, path="/"
    )
    return response


async def logout(request: web.Request) -> web.Response:
    await context(request).auth.logout(token_of(request) or "")
    response = web.json_response({"done": "logout"})
    response.del_cookie(COOKIE, path="/")
    return response


async def activate(request: web.Request) -> web.Response:
    data = body(request)
    await context(request).auth.activate(data["username"], data["code"], data["password"])
    return web.json_response({"done": "activated", "next": "log in with the new password"})


async def me(request: web.Request) -> web.Response:
    return web.json_response(
        {**principal_view(principal(request)), "idle_timeout_seconds": context(request).auth.idle}
    )


async def mfa_setup(request: web.Request) -> web.Response:
    secret, uri = await context(request).auth.start_totp(principal(request))
    return web.json_response({"secret": secret, "otpauth_uri": uri})


async def mfa_confirm(request: web.Request) -> web.Response:
    await context(request).auth.confirm_totp(principal(request), body(request)["code"])
    return web.json_response({"done": "mfa-enabled"})


# -- the admin's two-step login policy ---------------------------------------------------
async def get_mfa_policy(request: web.Request) -> web.Response:
    stored, configured = await context(request).auth.mfa_policy()
    return web.json_response(
        {"required_for": sorted(r.value for r in stored | configured),
         "set_here": sorted(r.value for r in stored),
         "from_config": sorted(r.value for r in configured)}
    )  # fmt: skip


async def put_mfa_policy(request: web.Request) -> web.Response:
    roles = body(request)["required_for"]
    if not all(isinstance(r, str) and r in {x.value for x in Role} for r in roles):
        raise InvalidInput("'required_for' lists roles: agent, supervisor, admin")
    await context(request).auth.set_mfa_policy(principal(request), {Role(r) for r in roles})
    return await get_mfa_policy(request)


# -- users ------------------------------------------------------------------------------
async def create_user(request: web.Request) -> web.Response:
    data = body(request)
    code = await context(request).auth.create_user(
        principal(request), data["username"], Role(data["role"]), data.get("agent_id")
    )
    return web.json_response({"activation_code": code, "valid_hours": 72}, status=201)


async def new_activation(request: web.Request) -> web.Response:
    code = await context(request).auth.issue_activation(
        principal(request), request.match_info["username"]
    )
    return web.json_response({"activation_code": code, "valid_hours": 72})


# -- profile ----------------------------------------------------------------------------
def _phone(phone: DeskPhone) -> dict[str, str]:
    return {"kind": phone.kind.value, "value": phone.value}


async def get_profile(request: web.Request) -> web.Response:
    agent_id = request.match_info["agent_id"]
    engine = context(request).engine
    agent = engine.state.agents.get(agent_id)
    return web.json_response(
        {"agent_id": agent_id, "rung_at": None if agent is None else agent.endpoint}
    )


async def verify_phone(request: web.Request) -> web.Response:
    phone = await context(request).profile.call_to_verify(
        request.match_info["agent_id"], body(request)["phone"]
    )
    return web.json_response({"calling": _phone(phone), "next": "type the code you hear"})


async def confirm_phone(request: web.Request) -> web.Response:
    phone = context(request).profile.confirm(request.match_info["agent_id"], body(request)["code"])
    return web.json_response({"verified": _phone(phone), "next": "save it"})


async def save_phone(request: web.Request) -> web.Response:
    phone = await context(request).profile.save(
        request.match_info["agent_id"], body(request)["phone"]
    )
    return web.json_response({"saved": _phone(phone)})


# -- notifications ----------------------------------------------------------------------
def _own_agent(request: web.Request) -> str:
    return acting_for(request, request.query.get("agent_id"))


async def list_notifications(request: web.Request) -> web.Response:
    unread = request.query.get("unread") == "true"
    found = await context(request).notifications.inbox(_own_agent(request), unread_only=unread)
    return web.json_response(
        [
            {"id": n.id, "sender": n.sender, "title": n.title, "body": n.body,
             "sent_at": n.sent_at.isoformat(),
             "read_at": None if n.read_at is None else n.read_at.isoformat()}
            for n in found
        ]
    )  # fmt: skip


async def unread_count(request: web.Request) -> web.Response:
    count = await context(request).notifications.unread_count(_own_agent(request))
    return web.json_response({"unread": count})


async def send_notification(request: web.Request) -> web.Response:
    data = body(request)
    audience = Audience(AudienceKind(data["to"]), data.get("target"))
    notification_id = await context(request).notifications.send(
        principal(request).username, audience, data["title"], data["body"]
    )
    return web.json_response({"id": notification_id}, status=201)


async def mark_read(request: web.Request) -> web.Response:
    changed = await context(request).notifications.mark_read(
        _own_agent(request), body(request).get("ids")
    )
    return web.json_response({"marked": changed})


async def delete_read(request: web.Request) -> web.Response:
    deleted = await context(request).notifications.delete_read(_own_agent(request))
    return web.json_response({"deleted": deleted})


# -- favourites and recents ------------------------------------------------------------------
async def list_favourites(request: web.Request) -> web.Response:
    async with context(request).auth.sessions() as session:
        found = await contacts.favourites(session, principal(request).user_id)
    return web.json_response([{"kind": k, "target": t} for k, t in found])


def _favourite_change(
    change: Callable[[AsyncSession, int, str, str], Awaitable[None]],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A handler that pins or unpins the body's favourite, then lists them."""

    async def handle(request: web.Request) -> web.Response:
        data = body(request)
        async with context(request).auth.sessions() as session:
            await change(session, principal(request).user_id, data["kind"], data["target"])
            await session.commit()
        return await list_favourites(request)

    return handle


add_favourite = _favourite_change(contacts.add_favourite)
remove_favourite = _favourite_change(contacts.remove_favourite)


async def list_recents(request: web.Request) -> web.Response:
    async with context(request).auth.sessions() as session:
        found = await contacts.recents(session, principal(request).user_id)
    return web.json_response([{"kind": k, "target": t, "at": a.isoformat()} for k, t, a in found])


async def remember(request: web.Request, kind: str, target: str) -> None:
    """The user just reached ``target``: one of their recents now."""
    async with context(request).auth.sessions() as session:
        await contacts.remember(
            session, principal(request).user_id, kind, target, datetime.now(UTC)
        )
        await session.commit()


ANYONE = Access(any=Permission.READ_NOTIFICATIONS)  # every role holds it: "logged in"
USERS = Access(any=Permission.MANAGE_USERS)
PROFILE = Access(any=Permission.ANY_STATUS, own=Permission.OWN_PROFILE)
READ = Access(any=Permission.SEND_NOTIFICATIONS, own=Permission.READ_NOTIFICATIONS)
SEND = Access(any=Permission.SEND_NOTIFICATIONS)
_PASSWORD = Field(str, max_length=256)
_CONTACT = {"kind": Field(str, choices=contacts.KINDS), "target": Field(str, max_length=40)}

SYSTEM = Access(any=Permission.MANAGE_SYSTEM)

ACCOUNT_ROUTES: list[Route] = [
    Route("GET", "/security/mfa", get_mfa_policy, SYSTEM,
          "Roles that must log in with an authenticator code", tag="auth"),
    Route("PUT", "/security/mfa", put_mfa_policy, SYSTEM,
          "Require two-step login of these roles (the config's mfa_required adds to them)",
          {"required_for": Field(list, max_length=3, items=str)}, tag="auth"),
    Route("POST", "/auth/login", login, PUBLIC, "Log in (password, and a TOTP code where asked)",
          {"username": Field(str, max_length=64), "password": _PASSWORD,
           "totp": Field(str, False, 6)}, tag="auth"),
    Route("POST", "/auth/logout", logout, ANYONE, "End this session", tag="auth"),
    Route("POST", "/auth/activate", activate, PUBLIC,
          "First login: the activation code and a new password",
          {"username": Field(str, max_length=64), "code": Field(str, max_length=20),
           "password": _PASSWORD}, tag="auth"),
    Route("POST", "/auth/mfa", mfa_setup, ANYONE, "Start setting up an authenticator app",
          tag="auth"),
    Route("POST", "/auth/mfa/confirm", mfa_confirm, ANYONE,
          "A code from the new authenticator turns MFA on", {"code": Field(str, max_length=6)},
          tag="auth"),
    Route("GET", "/users/me", me, ANYONE, "Who is logged in", tag="auth"),
    Route("POST", "/users", create_user, USERS, "Create a user; returns the activation code",
          {"username": Field(str, max_length=64), "role": Field(str, choices=tuple(Role)),
           "agent_id": Field(str, False, 32)}, tag="auth"),
    Route("POST", "/users/{username}/activation", new_activation, USERS,
          "A new activation code (forgotten password, lost authenticator)", tag="auth"),
    Route("GET", "/users/me/favourites", list_favourites, ANYONE, "Pinned agents, queues, numbers",
          tag="auth"),
    Route("POST", "/users/me/favourites", add_favourite, ANYONE, "Pin one", _CONTACT, tag="auth"),
    Route("DELETE", "/users/me/favourites", remove_favourite, ANYONE, "Unpin one", _CONTACT,
          tag="auth"),
    Route("GET", "/users/me/recents", list_recents, ANYONE, "Whom the user last reached",
          tag="auth"),
    Route("GET", "/agents/{agent_id}/profile", get_profile, PROFILE,
          "Where the agent is rung", tag="profile"),
    Route("POST", "/agents/{agent_id}/profile/verify", verify_phone, PROFILE,
          "Call to verify: ring the phone and speak a code",
          {"phone": Field(str, max_length=200)}, tag="profile"),
    Route("POST", "/agents/{agent_id}/profile/confirm", confirm_phone, PROFILE,
          "The code the call spoke", {"code": Field(str, max_length=6)}, tag="profile"),
    Route("PUT", "/agents/{agent_id}/profile", save_phone, PROFILE,
          "Save the desk phone (verified, or the agent's own extension)",
          {"phone": Field(str, max_length=200)}, tag="profile"),
    Route("GET", "/notifications", list_notifications, READ, "The agent's notifications",
          tag="notifications"),
    Route("GET", "/notifications/unread-count", unread_count, READ, "How many are unread",
          tag="notifications"),
    Route("POST", "/notifications", send_notification, SEND,
          "Send to an agent, a team (a queue's agents) or everyone",
          {"to": Field(str, choices=tuple(AudienceKind)), "target": Field(str, False, 32),
           "title": Field(str, max_length=120), "body": Field(str, max_length=1000, lines=True)},
          tag="notifications"),
    Route("POST", "/notifications/read", mark_read, READ, "Mark some (or all) read",
          {"ids": Field(list, required=False, max_length=500)}, tag="notifications"),
    Route("DELETE", "/notifications/read", delete_read, READ, "Clear the read ones",
          tag="notifications"),
]  # fmt: skip
