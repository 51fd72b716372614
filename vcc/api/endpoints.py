"""Agents, queues, calls and live events over HTTP; each handler is a thin layer over
the engine's state and vcc.calls.CallControl. Accounts and messages: vcc.api.account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiohttp import web

from vcc.api.account import ACCOUNT_ROUTES, remember
from vcc.api.app import acting_for, body, context, principal
from vcc.api.digital import DIGITAL_ROUTES
from vcc.api.recordings import RECORDING_ROUTES
from vcc.api.routes import PUBLIC, Access, Route
from vcc.api.schema import Field
from vcc.api.wfm import WFM_ROUTES
from vcc.core import routing
from vcc.core.access import Permission
from vcc.core.agents import Status, StatusRequest
from vcc.core.queue_status import QueueStatus, queue_status, queue_statuses
from vcc.engine import Engine
from vcc.errors import Conflict, InvalidInput, NotFound

STATUS_CHOICES = tuple(s.value for s in Status)
VIEW = Access(any=Permission.VIEW_QUEUES)
STATUS = Access(any=Permission.ANY_STATUS, own=Permission.OWN_STATUS)
CALLS = Access(any=Permission.ANY_CALLS, own=Permission.OWN_CALLS)


# -- views ------------------------------------------------------------------------------
def agent_view(engine: Engine, agent: routing.Agent) -> dict[str, Any]:
    offer = engine.state.offers.get(agent.offer_id or "")
    last_queue = engine.state.queues.get(agent.last_queue or "")
    return {
        "id": agent.id,
        "status": agent.status.value,
        "reason": agent.reason,
        # None: not known since when (an agent never seen changing status)
        "since": agent.status_since or None,
        "seconds_in_status": max(0.0, engine.state.now - agent.status_since)
        if agent.status_since
        else None,
        "queues": sorted(agent.queues),
        "call": None if offer is None or offer.reserved else call_view(engine, offer),
        "requested": None if agent.requested is None else agent.requested.status.value,
        "wrap_up_until": agent.wrap_up_until,
        "disposition_due": agent.disposition_due,
        # The call a disposition code goes to now, and the codes its queue offers.
        "last_call": None
        if agent.last_call is None
        else {
            "interaction_id": agent.last_call,
            "queue": agent.last_queue,
            "dispositions": list(last_queue.dispositions) if last_queue else [],
        },
    }


def call_view(engine: Engine, offer: routing.Offer) -> dict[str, Any]:
    return {
        "interaction_id": offer.call_id or None,
        "queue": offer.queue or None,
        "caller": offer.peer if offer.direct else engine.caller_ids.get(offer.call_id) or None,
        "direct": offer.direct,  # the agent's own call (click-to-dial, agent to agent)
        "answered": offer.answered,
        "on_hold": offer.on_hold,
        # Line 2: someone the agent consults while the caller holds; answered yet?
        "line2": None if offer.consult is None else {"answered": offer.consult_answered},
        "consulted_by": None if offer.consult_of is None else _agent_of(engine, offer.consult_of),
        "conference": offer.conference is not None,
    }


def _agent_of(engine: Engine, offer_id: str) -> str | None:
    offer = engine.state.offers.get(offer_id)
    return None if offer is None else offer.agent_id


def queue_view(engine: Engine, queue_id: str, status: QueueStatus | None = None) -> dict[str, Any]:
    status = status or queue_status(engine.state, queue_id, engine.service_levels)
    level = status.service_level
    return {
        "id": queue_id,
        "waiting": status.waiting,
        "longest_wait": status.longest_wait,
        "agents": {s.value: n for s, n in status.agents.items()},
        "service_level": {
            "percent": level.percent,
            "target_seconds": level.target,
            "answered": level.answered,
            "answered_in_target": level.answered_in_target,
            "abandoned": level.abandoned,
            "window_seconds": engine.service_levels.window,
        },
        "dispositions": list(engine.state.queues[queue_id].dispositions),
    }


def queue_views(engine: Engine) -> list[dict[str, Any]]:
    statuses = queue_statuses(engine.state, engine.service_levels)
    return [queue_view(engine, q, status) for q, status in statuses.items()]


def _agent(engine: Engine, agent_id: str) -> routing.Agent:
    agent = engine.state.agents.get(agent_id)
    if agent is None:
        raise NotFound(f"agent {agent_id!r} does not exist")
    return agent


# -- agents and queues ------------------------------------------------------------------
async def list_agents(request: web.Request) -> web.Response:
    engine = context(request).engine
    return web.json_response([agent_view(engine, a) for a in engine.state.agents.values()])


async def get_agent(request: web.Request) -> web.Response:
    engine = context(request).engine
    return web.json_response(agent_view(engine, _agent(engine, request.match_info["agent_id"])))


async def get_status(request: web.Request) -> web.Response:
    return await get_agent(request)


async def put_status(request: web.Request) -> web.Response:
    engine = context(request).engine
    agent_id = request.match_info["agent_id"]
    _agent(engine, agent_id)
    data = body(request)
    ask = StatusRequest(Status(data["status"]), data.get("reason"))
    commands = await engine.ask(
        routing.StatusRequested(agent_id, ask, engine.clock(), principal(request).username)
    )
    for command in commands:
        if isinstance(command, routing.StatusRefused):
            refused = Conflict(
                f"agent {agent_id} cannot go to {ask.status.value} now",
                hint=command.problem.value.replace("-", " "),
            )
            refused.code = command.problem.value
            raise refused
    return web.json_response(agent_view(engine, engine.state.agents[agent_id]))


async def status_codes(request: web.Request) -> web.Response:
    rules = context(request).engine.state.rules
    return web.json_response(
        {
            status.value: {
                "codes": sorted(rules.codes.get(status, ())),
                "required": status in rules.reason_required,
            }
            for status in Status
        }
    )


async def list_queues(request: web.Request) -> web.Response:
    return web.json_response(queue_views(context(request).engine))


async def get_queue_status(request: web.Request) -> web.Response:
    engine = context(request).engine
    queue_id = request.match_info["queue_id"]
    if queue_id not in engine.state.queues:
        raise NotFound(f"queue {queue_id!r} does not exist")
    return web.json_response(queue_view(engine, queue_id))


# -- calls --------------------------------------------------------------------------------
async def click_to_dial(request: web.Request) -> web.Response:
    data = body(request)
    agent_id = acting_for(request, data.get("agent_id"))
    calls = context(request).calls
    if "number" in data and "to_agent" not in data:
        call_id = await calls.click_to_dial(agent_id, data["number"])
        await remember(request, "number", data["number"])
    elif "to_agent" in data and "number" not in data:
        call_id = await calls.call_agent(agent_id, data["to_agent"])
        await remember(request, "agent", data["to_agent"])
    else:
        raise InvalidInput("give a 'number' or a 'to_agent', one of the two")
    return web.json_response({"interaction_id": call_id}, status=201)


def _call_action(name: str) -> Any:
    async def act(request: web.Request) -> web.Response:
        await getattr(context(request).calls, name)(request.match_info["agent_id"])
        return web.json_response({"done": name})

    return act


def _targets(data: dict[str, Any]) -> dict[str, str]:
    return {k: data[k] for k in ("to_agent", "to_queue", "to_number") if k in data}


async def _remember_target(request: web.Request, targets: dict[str, str]) -> None:
    for key, value in targets.items():
        await remember(request, key.removeprefix("to_"), value)


async def transfer(request: web.Request) -> web.Response:
    data = body(request)
    await context(request).calls.transfer(
        request.match_info["agent_id"], keep_wait=data.get("keep_wait"), **_targets(data)
    )
    await _remember_target(request, _targets(data))
    return web.json_response({"done": "transfer"})


async def consult(request: web.Request) -> web.Response:
    await context(request).calls.consult(request.match_info["agent_id"], **_targets(body(request)))
    await _remember_target(request, _targets(body(request)))
    return web.json_response({"done": "consult"})


async def start_recording(request: web.Request) -> web.Response:
    started = await context(request).calls.start_recording(request.match_info["agent_id"])
    return web.json_response({"path": started.path, "interaction_id": started.call_id})


async def disposition(request: web.Request) -> web.Response:
    """The code for an interaction: the agent who last handled it gives it."""
    engine = context(request).engine
    interaction_id = request.match_info["interaction_id"]
    agent = next((a for a in engine.state.agents.values() if a.last_call == interaction_id), None)
    if agent is None:
        raise NotFound(
            f"no agent's last call is {interaction_id!r}",
            hint="a code is given to the call an agent just handled",
        )
    acting_for(request, agent.id)
    await context(request).calls.set_disposition(agent.id, body(request)["code"])
    return web.json_response({"interaction_id": interaction_id, "code": body(request)["code"]})


# -- live events ----------------------------------------------------------------------------
async def events(request: web.Request) -> web.StreamResponse:
    who = principal(request)

    def wants(message: dict[str, Any]) -> bool:
        if "agents" in message:  # notifications, recordings, work, chats: to whom it names
            return who.agent_id in message["agents"]
        return True  # agents and queues: whoever may listen here may view them

    return await context(request).hub.serve(request, wants)


class LiveViews:
    """What the consoles hear of the router: an agent's view as soon as an event or
    command touches it and it changed; the queues' views at the next tick after
    anything moved in them (within half a second: a wallboard needs no more, and a
    busy center's every event then costs no queue recount)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sent = {a.id: _unchanged(agent_view(engine, a)) for a in engine.state.agents.values()}
        self.queues_moved = False

    def messages(self, item: routing.Event | routing.Command) -> Iterator[dict[str, Any]]:
        engine = self.engine
        for agent_id in sorted(_agents_touched(engine.state, item)):
            agent = engine.state.agents.get(agent_id)
            if agent is None:
                continue
            view = agent_view(engine, agent)
            if self.sent.get(agent_id) != (unchanged := _unchanged(view)):
                self.sent[agent_id] = unchanged
                yield {"type": "agent", "agent": view}
        match item:
            case (
                routing.InteractionStarted() | routing.InteractionEnded() | routing.OfferEnded()
                | routing.MoveCaller() | routing.StatusChanged()
            ):  # fmt: skip
                self.queues_moved = True
            case routing.Tick() if self.queues_moved:
                self.queues_moved = False
                for view in queue_views(engine):
                    yield {"type": "queue", "queue": view}


def _unchanged(view: dict[str, Any]) -> dict[str, Any]:
    return {**view, "seconds_in_status": None}  # the timer runs in the console


def _agents_touched(state: routing.RouterState, item: object) -> set[str]:
    """The agents whose view ``item`` may change: named, or holding an offer (or line 2)
    it names by offer or call id."""
    touched = set()
    if isinstance(agent_id := getattr(item, "agent_id", None), str):
        touched.add(agent_id)
    keys = {getattr(item, "offer_id", None), getattr(item, "call_id", None)} - {None, ""}
    if keys:
        for offer in state.offers.values():
            if keys & {offer.offer_id, offer.call_id, offer.consult}:
                touched.add(offer.agent_id)
    return touched


# -- operations -------------------------------------------------------------------------------
async def health(request: web.Request) -> web.Response:
    ctx = context(request)
    pbx = bool(getattr(ctx.engine.driver, "connected", False))
    try:
        database = await ctx.database_ok()
    except Exception:
        database = False
    ok = pbx and database
    return web.json_response(
        {"status": "ok" if ok else "degraded", "pbx_connected": pbx, "database": database},
        status=200 if ok else 503,
    )


async def metrics(request: web.Request) -> web.Response:
    ctx = context(request)
    state = ctx.engine.state
    lines = [
        "# HELP vcc_calls_waiting Callers waiting in a queue.",
        "# TYPE vcc_calls_waiting gauge",
    ]
    for queue in sorted(state.queues):
        waiting = sum(1 for c in state.waiting if c.queue == queue)
        lines.append(f'vcc_calls_waiting{{queue="{queue}"}} {waiting}')
    lines += ["# HELP vcc_agents Agents by status.", "# TYPE vcc_agents gauge"]
    for status in Status:
        count = sum(1 for a in state.agents.values() if a.status is status)
        lines.append(f'vcc_agents{{status="{status.value}"}} {count}')
    connected = int(bool(getattr(ctx.engine.driver, "connected", False)))
    lines += [
        "# HELP vcc_ami_connected Whether the controller is connected to the PBX.",
        "# TYPE vcc_ami_connected gauge",
        f"vcc_ami_connected {connected}",
        "# HELP vcc_websocket_clients Consoles listening for live events.",
        "# TYPE vcc_websocket_clients gauge",
        f"vcc_websocket_clients {len(ctx.hub.clients)}",
    ]
    lines += ctx.engine.routing_latency.exposition(
        "vcc_routing_seconds", "Time the router takes for one decision."
    )
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")


_TARGETS = {
    "to_agent": Field(str, required=False, max_length=32),
    "to_queue": Field(str, required=False, max_length=32),
    "to_number": Field(str, required=False, max_length=40),
}

ROUTES: list[Route] = [
    *ACCOUNT_ROUTES,
    *RECORDING_ROUTES,
    *WFM_ROUTES,
    *DIGITAL_ROUTES,
    Route("GET", "/agents", list_agents, VIEW, "Every agent's status, live", tag="agents"),
    Route("GET", "/agents/{agent_id}", get_agent, VIEW, "One agent", tag="agents"),
    Route("GET", "/agents/{agent_id}/status", get_status, STATUS, "An agent's status and timer",
          tag="agents"),
    Route("PUT", "/agents/{agent_id}/status", put_status, STATUS,
          "Change an agent's status (with a reason code where the admin asks for one)",
          {"status": Field(str, choices=STATUS_CHOICES), "reason": Field(str, False, 32)},
          tag="agents"),
    Route("GET", "/status-codes", status_codes, VIEW, "Reason codes per status", tag="agents"),
    Route("GET", "/queues", list_queues, VIEW, "Every queue, live", tag="queues"),
    Route("GET", "/queues/{queue_id}/status", get_queue_status, VIEW,
          "Waiting, longest wait, agents by status, service level", tag="queues"),
    Route("POST", "/calls", click_to_dial, CALLS,
          "Agent-first call: the agent's phone rings, then the number (or another agent)",
          {"agent_id": Field(str, False, 32), "number": Field(str, False, 40),
           "to_agent": Field(str, False, 32)}, tag="calls"),
    Route("POST", "/calls/{agent_id}/hangup", _call_action("hangup"), CALLS,
          "End the agent's call", tag="calls"),
    Route("POST", "/calls/{agent_id}/hold", _call_action("hold"), CALLS,
          "Hold the caller (music)", tag="calls"),
    Route("POST", "/calls/{agent_id}/resume", _call_action("resume"), CALLS,
          "Take the caller off hold", tag="calls"),
    Route("POST", "/calls/{agent_id}/transfer", transfer, CALLS,
          "Blind transfer to an agent, a queue or a number",
          {**_TARGETS, "keep_wait": Field(bool, required=False)}, tag="calls"),
    Route("POST", "/calls/{agent_id}/consult", consult, CALLS,
          "Line 2: the caller holds while the agent calls someone", _TARGETS, tag="calls"),
    Route("POST", "/calls/{agent_id}/complete-transfer", _call_action("complete_transfer"),
          CALLS, "Hand the caller to line 2 and leave", tag="calls"),
    Route("POST", "/calls/{agent_id}/cancel-transfer", _call_action("cancel_transfer"), CALLS,
          "End line 2 and go back to the caller", tag="calls"),
    Route("POST", "/calls/{agent_id}/conference", _call_action("conference"), CALLS,
          "Join the caller, the agent and line 2", tag="calls"),
    Route("POST", "/calls/{agent_id}/recording", start_recording, CALLS,
          "Record the call from now on (queues that record on demand)", tag="calls"),
    Route("POST", "/calls/{agent_id}/recording/pause", _call_action("pause_recording"), CALLS,
          "Record silence until resumed", tag="calls"),
    Route("POST", "/calls/{agent_id}/recording/resume", _call_action("resume_recording"),
          CALLS, "Record the call again", tag="calls"),
    Route("PUT", "/interactions/{interaction_id}/disposition", disposition, CALLS,
          "The transaction code of the call just handled", {"code": Field(str, max_length=32)},
          tag="calls"),
    Route("GET", "/events", events, VIEW, "WebSocket: agent, queue and notification changes",
          tag="live"),
    Route("GET", "/health", health, PUBLIC, "Is the PBX connected and the database there?",
          tag="operations"),
    Route("GET", "/metrics", metrics, Access(any=Permission.VIEW_METRICS),
          "Prometheus metrics", tag="operations"),
]  # fmt: skip
