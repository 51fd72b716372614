"""Workforce management over HTTP (/api/v1/wfm): schedules, requests and time off,
balances, shift swaps, notifications of the last 7 days, adherence and staffing.
Thin: vcc.wfm holds the rules' I/O, vcc.core.wfm the rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import web

from vcc.api.app import acting_for, body, context, path_number, principal
from vcc.api.routes import Access, Route
from vcc.api.schema import Field
from vcc.core.access import Permission
from vcc.core.wfm.requests import RequestKind
from vcc.core.wfm.schedule import Block
from vcc.errors import InvalidInput
from vcc.wfm.mail import email_address
from vcc.wfm.service import WfmService

OWN = Access(any=Permission.ANY_SCHEDULE, own=Permission.OWN_SCHEDULE)
MANAGE = Access(any=Permission.ANY_SCHEDULE)
ANYONE = Access(any=Permission.READ_NOTIFICATIONS)
NOTIFICATION_DAYS = 7


def wfm(request: web.Request) -> WfmService:
    service = context(request).wfm
    if service is None:
        raise InvalidInput("workforce management is not set up on this vcc")
    return service


# -- parsing what users send -----------------------------------------------------------
def a_date(value: object, what: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"'{what}' is a date like 2026-12-01") from None


def a_time(value: object, what: str) -> datetime:
    """A wall-clock time of the contact center, to the minute."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"'{what}' is a time like 2026-12-01T09:30") from None
    if moment.tzinfo is not None or moment.second or moment.microsecond:
        raise InvalidInput(f"'{what}' is a local time to the minute, like 2026-12-01T09:30")
    return moment


def query_date(request: web.Request, name: str, default: date | None = None) -> date:
    if name not in request.query:
        if default is None:
            raise InvalidInput(f"give '{name}' (a date like 2026-12-01)")
        return default
    return a_date(request.query[name][:20], name)


# -- schedules -------------------------------------------------------------------------
async def activities(request: web.Request) -> web.Response:
    return web.json_response(await wfm(request).schedules.activities())


async def roster(request: web.Request) -> web.Response:
    return web.json_response(await wfm(request).schedules.roster())


async def sync(request: web.Request) -> web.Response:
    report = await wfm(request).schedules.sync()
    return web.json_response(
        {"added": report.added, "updated": report.updated, "removed": report.removed}
    )


async def schedule(request: web.Request) -> web.Response:
    service = wfm(request)
    today = service.ctx.now().date()
    first = query_date(request, "from", today - timedelta(days=today.weekday()))
    last = query_date(request, "to", first + timedelta(days=6))
    days = await service.schedules.schedule(request.match_info["agent_id"], first, last)
    return web.json_response(days)


async def publish(request: web.Request) -> web.Response:
    data = body(request)
    day = a_date(request.match_info["day"][:20], "day")
    blocks = []
    for n, item in enumerate(data["activities"]):
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            raise InvalidInput(f"activity {n + 1}: give code, start and end")
        note = item.get("note", "")
        if not isinstance(note, str):
            raise InvalidInput(f"activity {n + 1}: the note is text")
        blocks.append(
            Block(item["code"], a_time(item.get("start"), "start"), a_time(item.get("end"), "end"),
                  note)
        )  # fmt: skip
    await wfm(request).schedules.publish(
        principal(request).username, request.match_info["agent_id"], day, blocks,
        data.get("note", ""),
    )  # fmt: skip
    return web.json_response({"published": day.isoformat()})


async def adherence(request: web.Request) -> web.Response:
    service = wfm(request)
    day = query_date(request, "day", service.ctx.now().date())
    return web.json_response(await service.schedules.adherence(request.match_info["agent_id"], day))


async def staffing(request: web.Request) -> web.Response:
    service = wfm(request)
    day = query_date(request, "day", service.ctx.now().date())
    queue = request.query.get("queue")
    return web.json_response(await service.schedules.staffing(day, queue[:32] if queue else None))


# -- requests --------------------------------------------------------------------------
async def list_requests(request: web.Request) -> web.Response:
    wanted = request.query.get("agent_id")
    if wanted is None and principal(request).agent_id is None:
        agent_id = None  # a supervisor: everyone's (the decision list)
    else:
        agent_id = acting_for(request, wanted[:32] if wanted else None)
    month = query_date(request, "month") if "month" in request.query else None
    found = await wfm(request).requests.overview(
        agent_id, month=month, status=request.query.get("status"), kind=request.query.get("kind")
    )
    return web.json_response(found)


async def make_request(request: web.Request) -> web.Response:
    data = body(request)
    agent_id = acting_for(request, data.get("agent_id"))
    requests = wfm(request).requests
    kind = RequestKind(data["kind"])
    code, comment = data["code"], data.get("comment", "")
    if kind is RequestKind.FULL_DAY:
        made = await requests.full_days(
            agent_id, code, a_date(data.get("first"), "first"), a_date(data.get("last"), "last"),
            comment,
        )  # fmt: skip
    elif kind is RequestKind.INTERVALS:
        starts = data.get("intervals")
        if not isinstance(starts, list) or not starts or len(starts) > 48:
            raise InvalidInput("'intervals' lists 1 to 48 interval starts")
        made = await requests.intervals(
            agent_id, code, a_date(data.get("day"), "day"),
            [a_time(s, "intervals") for s in starts], comment,
        )  # fmt: skip
    else:
        start, end = a_time(data.get("start"), "start"), a_time(data.get("end"), "end")
        make = {
            RequestKind.CHANGE: requests.change,
            RequestKind.PARTIAL_DAY: requests.part_day,
            RequestKind.ABSENCE: requests.absence,
        }[kind]
        made = await make(agent_id, code, start, end, comment)
    return web.json_response(made, status=201)


async def edit_request(request: web.Request) -> web.Response:
    data = body(request)
    agent_id = acting_for(request, None)
    edited = await wfm(request).requests.edit(
        agent_id, path_number(request, "request_id"), a_time(data["start"], "start"),
        a_time(data["end"], "end"), data.get("comment", ""),
    )  # fmt: skip
    return web.json_response(edited)


async def cancel_request(request: web.Request) -> web.Response:
    agent_id = acting_for(request, None)
    return web.json_response(
        await wfm(request).requests.cancel(agent_id, path_number(request, "request_id"))
    )


async def decide(request: web.Request) -> web.Response:
    decided = await wfm(request).requests.decide(
        principal(request).username,
        path_number(request, "request_id"),
        approve=body(request)["approve"],
    )
    return web.json_response(decided)


async def intervals(request: web.Request) -> web.Response:
    service = wfm(request)
    day = query_date(request, "day", service.ctx.now().date())
    options = await service.requests.interval_options(request.match_info["agent_id"], day)
    minutes = "minutes"
    return web.json_response(
        [{"start": o.start.isoformat(timespec=minutes), "end": o.end.isoformat(timespec=minutes),
          "auto": o.auto} for o in options]
    )  # fmt: skip


async def balances(request: web.Request) -> web.Response:
    return web.json_response(await wfm(request).requests.balances(request.match_info["agent_id"]))


async def set_balance(request: web.Request) -> web.Response:
    earned = body(request)["earned_hours"]
    await wfm(request).requests.set_earned(
        request.match_info["agent_id"], request.match_info["code"][:32], float(earned)
    )
    return web.json_response({"earned": earned})


# -- swaps -----------------------------------------------------------------------------
async def list_swaps(request: web.Request) -> web.Response:
    return web.json_response(await wfm(request).swaps.for_agent(acting_for(request, None)))


async def offer_swap(request: web.Request) -> web.Response:
    data = body(request)
    made = await wfm(request).swaps.offer(
        acting_for(request, None),
        a_date(data["day"], "day"),
        a_time(data["expires_at"], "expires_at"),
    )
    return web.json_response(made, status=201)


def _swap_action(name: str) -> Any:
    async def act(request: web.Request) -> web.Response:
        agent_id = acting_for(request, None)
        done = await getattr(wfm(request).swaps, name)(agent_id, path_number(request, "swap_id"))
        return web.json_response(done if done is not None else {"done": name})

    return act


# -- notifications and email -----------------------------------------------------------
async def notifications(request: web.Request) -> web.Response:
    """WFM's notifications of the last 7 days, and how many are unacknowledged."""
    agent_id = acting_for(request, None)
    since = datetime.now().astimezone() - timedelta(days=NOTIFICATION_DAYS)
    found = [
        n for n in await context(request).notifications.inbox(agent_id)
        if n.sender == "wfm" and n.sent_at >= since
    ]  # fmt: skip
    return web.json_response(
        {
            "unacknowledged": sum(1 for n in found if n.read_at is None),
            "notifications": [
                {"id": n.id, "title": n.title, "body": n.body, "sent_at": n.sent_at.isoformat(),
                 "read": n.read_at is not None}
                for n in found
            ],
        }
    )  # fmt: skip


async def set_email(request: web.Request) -> web.Response:
    raw = body(request)["email"]
    address = email_address(raw) if raw else None
    await context(request).auth.set_email(principal(request), address)
    return web.json_response({"email": address})


_KINDS = tuple(k.value for k in RequestKind)
_TIME = Field(str, required=False, max_length=20)
_COMMENT = Field(str, required=False, max_length=500, lines=True)

WFM_ROUTES: list[Route] = [
    Route("GET", "/wfm/activities", activities, OWN, "Activity codes schedules use", tag="wfm"),
    Route("GET", "/wfm/roster", roster, MANAGE, "Agents in WFM as of the last sync", tag="wfm"),
    Route("POST", "/wfm/sync", sync, MANAGE, "Run the nightly roster sync now", tag="wfm"),
    Route("GET", "/wfm/agents/{agent_id}/schedule", schedule, OWN,
          "An agent's days (?from=&to=, dates): published activities and notes", tag="wfm"),
    Route("PUT", "/wfm/agents/{agent_id}/schedule/{day}", publish, MANAGE,
          "Publish an agent's day: activities [{code, start, end, note}] and a note",
          {"activities": Field(list, max_length=48, items=dict),
           "note": Field(str, required=False, max_length=500, lines=True)}, tag="wfm"),
    Route("GET", "/wfm/agents/{agent_id}/adherence", adherence, OWN,
          "Adherence per interval of a day (?day=)", tag="wfm"),
    Route("GET", "/wfm/staffing", staffing, MANAGE,
          "Erlang C need next to scheduled staff per half hour (?day=&queue=)", tag="wfm"),
    Route("GET", "/wfm/requests", list_requests, OWN,
          "Requests (?agent_id=&month=&status=&kind=), newest first", tag="wfm"),
    Route("POST", "/wfm/requests", make_request, OWN,
          "Ask: change, full_day (first, last), partial_day, intervals (day, intervals), absence",
          {"kind": Field(str, choices=_KINDS), "code": Field(str, max_length=32),
           "start": _TIME, "end": _TIME, "first": _TIME, "last": _TIME, "day": _TIME,
           "intervals": Field(list, required=False, max_length=48, items=str),
           "comment": _COMMENT, "agent_id": Field(str, required=False, max_length=32)},
          tag="wfm"),
    Route("PATCH", "/wfm/requests/{request_id}", edit_request, OWN,
          "Edit a pending change or part-day request",
          {"start": Field(str, max_length=20), "end": Field(str, max_length=20),
           "comment": _COMMENT}, tag="wfm"),
    Route("POST", "/wfm/requests/{request_id}/cancel", cancel_request, OWN,
          "Cancel: a pending request, or approved time off still to come", tag="wfm"),
    Route("POST", "/wfm/requests/{request_id}/decision", decide, MANAGE,
          "Approve or decline a pending request", {"approve": Field(bool)}, tag="wfm"),
    Route("GET", "/wfm/agents/{agent_id}/intervals", intervals, OWN,
          "Intervals of a day one may take off (?day=), auto-approved or not", tag="wfm"),
    Route("GET", "/wfm/agents/{agent_id}/balances", balances, OWN,
          "Time-off balances: earned, used, planned, remaining hours", tag="wfm"),
    Route("PUT", "/wfm/agents/{agent_id}/balances/{code}", set_balance, MANAGE,
          "Set the hours earned of a time-off activity",
          {"earned_hours": Field(int)}, tag="wfm"),
    Route("GET", "/wfm/swaps", list_swaps, OWN, "Swap offers to take, and one's own", tag="wfm"),
    Route("POST", "/wfm/swaps", offer_swap, OWN, "Offer a day's shift for a swap",
          {"day": Field(str, max_length=20), "expires_at": Field(str, max_length=20)}, tag="wfm"),
    Route("POST", "/wfm/swaps/{swap_id}/accept", _swap_action("accept"), OWN,
          "Planning ruilen: take the offered shift", tag="wfm"),
    Route("POST", "/wfm/swaps/{swap_id}/decline", _swap_action("decline"), OWN,
          "Geen belangstelling", tag="wfm"),
    Route("POST", "/wfm/swaps/{swap_id}/withdraw", _swap_action("withdraw"), OWN,
          "Withdraw one's own offer", tag="wfm"),
    Route("GET", "/wfm/notifications", notifications, OWN,
          "WFM notifications of the last 7 days and the unacknowledged count", tag="wfm"),
    Route("PUT", "/users/me/email", set_email, ANYONE,
          "The address notification copies go to ('' for none)",
          {"email": Field(str, max_length=254)}, tag="auth"),
]  # fmt: skip
