"""The ACD on the real PBX: IVR, skills and priorities, statuses that block offers,
reason codes, overflow, and what waiting callers hear."""

from __future__ import annotations

from tests.harness.audio import assert_heard, best_match, heard_somewhere
from tests.harness.calls import RecordsKept, outcome
from tests.harness.pbx import MOH_HZ, QUEUE, SALES, SALES_MOH_HZ, TEST_SOUNDS, PbxHarness
from tests.harness.until import eventually
from tests.pbx.test_first_call import end_call, hear_each_other_for_a_second
from vcc.core.agents import RequestProblem, Status, StatusRequest, StatusRules
from vcc.core.queues import OverflowToMessage, OverflowToQueue, QueueConfig
from vcc.core.routing import Agent, StatusRequested
from vcc.engine import Engine
from vcc.pbx.events import (
    CallerEnqueued,
    CallerHearsMusic,
    CallerPressed,
    ChannelEnteredBridge,
    ChannelHungUp,
    HoldMusicStarted,
)


def agent(
    agent_id: str,
    queues: dict[str, int],
    *,
    skills: dict[str, int] | None = None,
    status: Status = Status.AVAILABLE,
) -> Agent:
    return Agent(agent_id, f"PJSIP/{agent_id}", queues, skills or {}, status=status)


def request(engine: Engine, agent_id: str, status: Status, reason: str | None = None) -> None:
    engine.submit(
        StatusRequested(agent_id, StatusRequest(status, reason), engine.clock(), agent_id)
    )


async def waiting_unoffered(engine: Engine, count: int) -> None:
    """The engine has ``count`` callers waiting and has rung nobody for them."""
    await eventually(
        lambda: len(engine.state.waiting) == count and not engine.state.offers,
        what=f"{count} caller(s) waiting, no offer",
    )


def in_the_music_for(engine: Engine, call_id: str, *, seconds: float) -> bool:
    """The caller hears the music, and no announcement or message is due for ``seconds``."""
    caller = engine.state.caller(call_id)
    if caller is None or not caller.hearing_music:
        return False
    due = [t for t in (caller.next_announce_at, caller.next_message_at) if t is not None]
    return min(due, default=float("inf")) - engine.clock() > seconds


async def test_ivr_choice_reaches_the_right_queue_with_its_priority(pbx: PbxHarness) -> None:
    caller, support_agent, sales_agent = pbx.phones["2001"], pbx.phones["1001"], pbx.phones["1002"]
    agents = [agent("1001", {QUEUE.queue: 0}), agent("1002", {SALES.queue: 0})]
    async with pbx.controller(agents) as engine:
        await caller.dial("7100")
        await caller.wait_for("CALL_ESTABLISHED")
        await caller.command("sndcode", "2")
        enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue=SALES.queue)
        assert enqueued.priority == 5
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=enqueued.uniqueid)
        await sales_agent.wait_for("CALL_RTPESTAB")
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1002")
    assert support_agent.calls_in() == 0
    assert heard_somewhere(caller.heard, TEST_SOUNDS["prompt"])
    assert_heard(caller.heard, 1200.0, start=-0.8)


async def test_ivr_invalid_key_is_refused_then_a_valid_one_works(pbx: PbxHarness) -> None:
    caller = pbx.phones["2001"]
    async with pbx.controller(["1001"]) as engine:
        await caller.dial("7100")
        await caller.wait_for("CALL_ESTABLISHED")
        await caller.command("sndcode", "5")  # no such option
        await caller.command("sndcode", "1")
        enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue=QUEUE.queue, timeout=15)
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=enqueued.uniqueid)
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1001")
    assert heard_somewhere(caller.heard, TEST_SOUNDS["invalid"])
    assert_heard(caller.heard, 1000.0, start=-0.8)


async def test_routing_by_skill_passes_over_an_unqualified_agent(pbx: PbxHarness) -> None:
    caller, unskilled, skilled = pbx.phones["2001"], pbx.phones["1001"], pbx.phones["1002"]
    queues = [
        QueueConfig(QUEUE.queue, required_skills={"dutch": 3}),
        QueueConfig(SALES.queue),
    ]
    agents = [  # 1001 has been idle longest, but speaks too little Dutch
        agent("1001", {QUEUE.queue: 0}, skills={"dutch": 1}),
        agent("1002", {QUEUE.queue: 0}, skills={"dutch": 5}),
    ]
    async with pbx.controller(agents, queues=queues) as engine:
        await caller.dial(QUEUE.extension)
        await skilled.wait_for("CALL_RTPESTAB")
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1002")
    assert unskilled.calls_in() == 0
    assert_heard(caller.heard, 1200.0, start=-0.8)


async def test_higher_priority_caller_is_served_first(pbx: PbxHarness) -> None:
    early, urgent, sales_agent = pbx.phones["2001"], pbx.phones["2002"], pbx.phones["1002"]
    async with pbx.controller([agent("1002", {SALES.queue: 0}, status=Status.BREAK)]) as engine:
        await early.dial(SALES.extension)  # priority 0, first in line
        await pbx.monitor.wait_for(CallerEnqueued, queue=SALES.queue)
        await urgent.dial("7100")
        await urgent.wait_for("CALL_ESTABLISHED")
        await urgent.command("sndcode", "2")  # the IVR's sales option: priority 5
        await waiting_unoffered(engine, 2)
        request(engine, "1002", Status.AVAILABLE)
        urgent_call = await pbx.monitor.wait_for(CallerEnqueued, priority=5)
        early_call = await pbx.monitor.wait_for(CallerEnqueued, priority=0)
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=urgent_call.uniqueid)
        await sales_agent.wait_for("CALL_RTPESTAB")
        assert not pbx.monitor.of(ChannelEnteredBridge, uniqueid=early_call.uniqueid)
        await hear_each_other_for_a_second(pbx)
        await urgent.hangup()
        await sales_agent.wait_for("CALL_CLOSED")
        # the agent frees up, and the early caller is next
        await eventually(lambda: sales_agent.count("CALL_RTPESTAB") == 2, what="second call")
        await early.hangup()
        await sales_agent.wait_for("CALL_CLOSED", count=2)
    assert_heard(urgent.heard, 1200.0, start=-0.8)


async def test_working_offline_break_and_wrap_up_get_no_queue_calls(pbx: PbxHarness) -> None:
    caller, offline, on_break = pbx.phones["2001"], pbx.phones["1001"], pbx.phones["1002"]
    queues = [QueueConfig(QUEUE.queue, wrap_up=60.0), QueueConfig(SALES.queue)]
    agents = [
        agent("1001", {QUEUE.queue: 0}, status=Status.WORKING_OFFLINE),
        agent("1002", {QUEUE.queue: 0}, status=Status.BREAK),
    ]
    async with pbx.controller(agents, queues=queues) as engine:
        await caller.dial(QUEUE.extension)
        await waiting_unoffered(engine, 1)  # the engine has the caller and rings nobody
        request(engine, "1001", Status.AVAILABLE)
        await offline.wait_for("CALL_RTPESTAB")
        await hear_each_other_for_a_second(pbx)
        await caller.hangup()
        await offline.wait_for("CALL_CLOSED")
        await eventually(
            lambda: engine.state.agents["1001"].status is Status.WRAP_UP, what="1001 in wrap-up"
        )
        caller.clear()
        await caller.dial(QUEUE.extension)
        await waiting_unoffered(engine, 1)  # 1001 in wrap-up, 1002 on break: nobody rings
        request(engine, "1001", Status.AVAILABLE)  # the agent ends wrap-up
        await eventually(lambda: offline.count("CALL_RTPESTAB") == 2, what="second call")
        await hear_each_other_for_a_second(pbx)
        await caller.hangup()
        await offline.wait_for("CALL_CLOSED", count=2)
    assert on_break.calls_in() == 0
    assert_heard(caller.heard, 1000.0, start=-0.8)


async def test_break_needs_a_reason_code_where_the_admin_requires_one(pbx: PbxHarness) -> None:
    caller, phone = pbx.phones["2001"], pbx.phones["1001"]
    rules = StatusRules(
        codes={Status.BREAK: frozenset({"lunch"})}, reason_required=frozenset({Status.BREAK})
    )
    async with pbx.controller(["1001"], rules=rules) as engine:
        request(engine, "1001", Status.BREAK)
        await eventually(lambda: engine.refusals, what="refusal")
        assert engine.refusals[0].problem is RequestProblem.REASON_REQUIRED
        request(engine, "1001", Status.BREAK, "coffee")
        await eventually(lambda: len(engine.refusals) == 2, what="second refusal")
        assert engine.refusals[1].problem is RequestProblem.UNKNOWN_REASON
        # still Available: a caller reaches them
        await caller.dial(QUEUE.extension)
        await phone.wait_for("CALL_RTPESTAB")
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1001")
        request(engine, "1001", Status.BREAK, "lunch")
        await eventually(
            lambda: engine.state.agents["1001"].status is Status.BREAK, what="1001 on break"
        )
        assert engine.status_log[-1].reason == "lunch"


async def test_caller_overflows_to_a_message_after_max_wait(pbx: PbxHarness) -> None:
    caller = pbx.phones["2001"]
    queues = [
        QueueConfig(QUEUE.queue, max_wait=3.0, overflow=OverflowToMessage("vcc-test/full")),
        QueueConfig(SALES.queue),
    ]
    async with pbx.controller(
        [agent("1001", {QUEUE.queue: 0}, status=Status.BREAK)], queues=queues
    ):
        await caller.dial(QUEUE.extension)
        enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue=QUEUE.queue)
        hung_up = await pbx.monitor.wait_for(ChannelHungUp, uniqueid=enqueued.uniqueid, timeout=15)
        assert hung_up.at - enqueued.enqueued_at >= 3.0
        await caller.wait_for("CALL_CLOSED")
    assert heard_somewhere(caller.heard, TEST_SOUNDS["full"])


async def test_caller_overflows_to_another_queue_after_max_wait(pbx: PbxHarness) -> None:
    caller, sales_agent = pbx.phones["2001"], pbx.phones["1002"]
    queues = [
        QueueConfig(QUEUE.queue, max_wait=3.0, overflow=OverflowToQueue(SALES.queue)),
        QueueConfig(SALES.queue),
    ]
    agents = [
        agent("1001", {QUEUE.queue: 0}, status=Status.BREAK),
        agent("1002", {SALES.queue: 0}),
    ]
    async with pbx.controller(agents, queues=queues) as engine:
        await caller.dial(QUEUE.extension)
        await sales_agent.wait_for("CALL_RTPESTAB", timeout=15)
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1002")
    assert_heard(caller.heard, 1200.0, start=-0.8)


async def test_waiting_caller_hears_position_and_periodic_message(pbx: PbxHarness) -> None:
    caller = pbx.phones["2001"]
    queues = [
        QueueConfig(
            QUEUE.queue,
            announce_position_every=5.0,
            periodic_message="vcc-test/periodic",
            periodic_message_every=7.0,
        ),
        QueueConfig(SALES.queue),
    ]
    async with pbx.controller(
        [agent("1001", {QUEUE.queue: 0}, status=Status.BREAK)], queues=queues
    ) as engine:
        await caller.dial(QUEUE.extension)
        await waiting_unoffered(engine, 1)
        await eventually(
            lambda: engine.clock() - engine.state.waiting[0].enqueued_at > 13,
            timeout=20,
            what="caller waited through an announcement and a message",
        )
        await caller.hangup()
        await caller.wait_for("CALL_CLOSED")
    you_are_next = pbx.prompt_as_wav("queue-youarenext")
    assert best_match(caller.heard, you_are_next) > 0.6
    assert heard_somewhere(caller.heard, TEST_SOUNDS["periodic"])


async def test_the_exit_key_takes_a_waiting_caller_to_another_queue_other_keys_do_nothing(
    pbx: PbxHarness,
) -> None:
    caller, sales_agent = pbx.phones["2001"], pbx.phones["1002"]
    queues = [
        QueueConfig(QUEUE.queue, exit_key="0", exit_to=OverflowToQueue(SALES.queue)),
        QueueConfig(SALES.queue),
    ]
    agents = [
        agent("1001", {QUEUE.queue: 0}, status=Status.BREAK),
        agent("1002", {SALES.queue: 0}, status=Status.BREAK),
    ]
    async with pbx.controller(agents, queues=queues) as engine:
        await caller.dial(QUEUE.extension)
        enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue=QUEUE.queue)
        await pbx.monitor.wait_for(HoldMusicStarted, uniqueid=enqueued.uniqueid)
        steps_before = engine.steps
        await caller.command("sndcode", "5")  # not the exit key: nothing happens
        pressed = await pbx.monitor.wait_for(CallerPressed, uniqueid=enqueued.uniqueid)
        assert pressed.key == "5"
        await eventually(lambda: engine.steps > steps_before, what="the key handled")
        assert [c.queue for c in engine.state.waiting] == [QUEUE.queue]
        await caller.command("sndcode", "0")
        await eventually(
            lambda: [c.queue for c in engine.state.waiting] == [SALES.queue],
            what="the caller moved to sales",
        )
        request(engine, "1002", Status.AVAILABLE)  # sales' agent comes back and takes it
        await pbx.monitor.wait_for(ChannelEnteredBridge, uniqueid=enqueued.uniqueid)
        await sales_agent.wait_for("CALL_RTPESTAB")
        await hear_each_other_for_a_second(pbx)
        await end_call(pbx, engine, "1002")
    assert_heard(caller.heard, 1200.0, start=-0.8)


async def test_the_exit_key_can_lead_to_a_message_and_goodbye(pbx: PbxHarness) -> None:
    caller = pbx.phones["2001"]
    queues = [
        QueueConfig(QUEUE.queue, exit_key="#", exit_to=OverflowToMessage("vcc-test/full")),
        QueueConfig(SALES.queue),
    ]
    async with pbx.controller(
        [agent("1001", {QUEUE.queue: 0}, status=Status.BREAK)], queues=queues
    ) as engine:
        await caller.dial(QUEUE.extension)
        enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue=QUEUE.queue)
        await pbx.monitor.wait_for(HoldMusicStarted, uniqueid=enqueued.uniqueid)
        await caller.command("sndcode", "#")
        await pbx.monitor.wait_for(ChannelHungUp, uniqueid=enqueued.uniqueid, timeout=15)
        await caller.wait_for("CALL_CLOSED")
        assert not engine.state.waiting
    assert heard_somewhere(caller.heard, TEST_SOUNDS["full"])


async def test_each_queue_plays_its_own_music_on_hold(pbx: PbxHarness) -> None:
    support_caller, sales_caller = pbx.phones["2001"], pbx.phones["2002"]
    agents = [
        agent("1001", {QUEUE.queue: 0}, status=Status.BREAK),
        agent("1002", {SALES.queue: 0}, status=Status.BREAK),
    ]
    async with pbx.controller(agents) as engine:
        await support_caller.dial(QUEUE.extension)
        await sales_caller.dial(SALES.extension)
        for queue in (QUEUE, SALES):
            enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue=queue.queue)
            await pbx.monitor.wait_for(HoldMusicStarted, uniqueid=enqueued.uniqueid)
        await waiting_unoffered(engine, 2)
        await hear_each_other_for_a_second(pbx)  # both listen to their queue's music
        for phone in (support_caller, sales_caller):
            await phone.hangup()
            await phone.wait_for("CALL_CLOSED")
    assert_heard(support_caller.heard, MOH_HZ, start=-0.8)
    assert_heard(sales_caller.heard, SALES_MOH_HZ, start=-0.8)


async def test_a_caller_who_exits_into_another_queue_hears_that_queues_music(
    pbx: PbxHarness,
) -> None:
    caller = pbx.phones["2001"]
    queues = [
        QueueConfig(QUEUE.queue, exit_key="0", exit_to=OverflowToQueue(SALES.queue)),
        QueueConfig(SALES.queue),
    ]
    agents = [agent("1002", {QUEUE.queue: 0, SALES.queue: 0}, status=Status.BREAK)]
    async with pbx.controller(agents, queues=queues) as engine:
        await caller.dial(QUEUE.extension)
        enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue=QUEUE.queue)
        await pbx.monitor.wait_for(
            HoldMusicStarted, uniqueid=enqueued.uniqueid, moh_class="default"
        )
        await hear_each_other_for_a_second(pbx)  # support's music for a while
        await caller.command("sndcode", "0")
        # Asterisk says which class it plays: sales' own, at once, not after the loop's 60 s.
        await pbx.monitor.wait_for(
            HoldMusicStarted, uniqueid=enqueued.uniqueid, moh_class=SALES.moh_class
        )
        assert [(c.call_id, c.queue) for c in engine.state.waiting] == [
            (enqueued.uniqueid, SALES.queue)
        ]
        await hear_each_other_for_a_second(pbx)
        await caller.hangup()
        await caller.wait_for("CALL_CLOSED")
        await eventually(lambda: not engine.state.waiting, what="the caller gone")
    assert heard_somewhere(caller.heard, MOH_HZ)
    assert_heard(caller.heard, SALES_MOH_HZ, start=-0.8)


async def test_the_exit_key_while_an_agents_phone_rings_stops_it_and_leaves(
    pbx: PbxHarness,
) -> None:
    caller, ringing = pbx.phones["2001"], pbx.phones["1001"]
    await ringing.set_auto_answer(False)
    queues = [
        QueueConfig(
            QUEUE.queue, ring_timeout=20.0, exit_key="#", exit_to=OverflowToMessage("vcc-test/full")
        ),
        QueueConfig(SALES.queue),
    ]
    records = RecordsKept()
    async with pbx.controller(["1001"], queues=queues, journal=records) as engine:
        await caller.dial(QUEUE.extension)
        enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue=QUEUE.queue)
        await ringing.wait_for("CALL_INCOMING")  # the controller rings it; the caller hears music
        await caller.command("sndcode", "#")
        await ringing.wait_for("CALL_CLOSED")
        await pbx.monitor.wait_for(ChannelHungUp, uniqueid=enqueued.uniqueid, timeout=15)
        await caller.wait_for("CALL_CLOSED")
        assert await outcome(records, enqueued.uniqueid) == "exited"
        await eventually(
            lambda: engine.state.agents["1001"].offer_id is None, what="1001's offer over"
        )
        free = engine.state.agents["1001"]
        assert (free.status, free.missed_offers) == (Status.AVAILABLE, 0)  # vcc stopped it
        assert not engine.state.waiting
    assert ringing.count("CALL_RTPESTAB") == 0
    assert heard_somewhere(caller.heard, TEST_SOUNDS["full"])


async def test_the_exit_key_works_after_a_periodic_message_and_announcement(
    pbx: PbxHarness,
) -> None:
    caller = pbx.phones["2001"]
    queues = [
        QueueConfig(
            QUEUE.queue,
            # "You are next" lasts 5.4 s: then the message, then a quiet stretch of music.
            announce_position_every=12.0,
            periodic_message="vcc-test/periodic",
            periodic_message_every=6.0,
            exit_key="*",
            exit_to=OverflowToMessage("vcc-test/full"),
        ),
        QueueConfig(SALES.queue),
    ]
    async with pbx.controller(
        [agent("1001", {QUEUE.queue: 0}, status=Status.BREAK)], queues=queues
    ) as engine:
        await caller.dial(QUEUE.extension)
        enqueued = await pbx.monitor.wait_for(CallerEnqueued, queue=QUEUE.queue)
        # Back in the wait loop after the announcement and after the message (its entry,
        # then twice more). Keys pressed during either are not heard (Playback ignores
        # them): the caller presses in the music, with nothing due for a while.
        await eventually(
            lambda: (
                len(pbx.monitor.of(CallerHearsMusic, uniqueid=enqueued.uniqueid)) >= 3
                and in_the_music_for(engine, enqueued.uniqueid, seconds=2.0)
            ),
            timeout=25,
            what="the caller back in the music after both, nothing due for 2 s",
        )
        await caller.command("sndcode", "*")
        await pbx.monitor.wait_for(CallerPressed, uniqueid=enqueued.uniqueid, key="*")
        await pbx.monitor.wait_for(ChannelHungUp, uniqueid=enqueued.uniqueid, timeout=15)
        await caller.wait_for("CALL_CLOSED")
        assert not engine.state.waiting
    assert best_match(caller.heard, pbx.prompt_as_wav("queue-youarenext")) > 0.6
    assert heard_somewhere(caller.heard, TEST_SOUNDS["periodic"])
    assert heard_somewhere(caller.heard, TEST_SOUNDS["full"])
