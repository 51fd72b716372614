"""WFM's API on a real database with a real SMTP server: every rule of the NICE/IEX
agent app through HTTP, bad input refused with nothing changed, email copies read
from the server's mailbox."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.harness.until import eventually
from tests.wfm.conftest import Wfm
from vcc.core.agents import Status
from vcc.store.models import AgentStatusChange, Interaction, InteractionKind, WfmBlock

DAY = "2026-12-02"  # tomorrow in the tests' clock
WORK_DAY = (("work", "09:00", "12:00"), ("lunch", "12:00", "12:30"), ("work", "12:30", "17:00"))


async def test_a_published_schedule_reaches_the_agent_with_a_notification_and_an_email(
    wfm: Wfm,
) -> None:
    await wfm.publish("1001", DAY, *WORK_DAY)
    week = await wfm.ok("GET", "/wfm/agents/1001/schedule?from=2026-11-30&to=2026-12-06", "anna")
    day = next(d for d in week if d["day"] == DAY)
    assert day["published"]
    assert day["note"] == "Team meeting at 15:00"
    assert [(a["code"], a["start"][-5:], a["end"][-5:]) for a in day["activities"]] == list(
        WORK_DAY
    )
    assert not next(d for d in week if d["day"] == "2026-12-03")["published"]
    inbox = await wfm.ok("GET", "/wfm/notifications", "anna")
    assert inbox["unacknowledged"] == 1
    assert "Schedule changed" in inbox["notifications"][0]["title"]
    mail = await eventually(lambda: wfm.mailbox.to("anna@example.org"), what="an email copy")
    assert "Schedule changed: 2026-12-02" in mail[0]["Subject"]
    # Acknowledged, then deleted once read.
    ids = [n["id"] for n in inbox["notifications"]]
    await wfm.ok("POST", "/notifications/read", "anna", {"ids": ids})
    assert (await wfm.ok("GET", "/wfm/notifications", "anna"))["unacknowledged"] == 0
    await wfm.ok("DELETE", "/notifications/read", "anna")
    assert (await wfm.ok("GET", "/wfm/notifications", "anna"))["notifications"] == []


async def test_bad_schedules_are_refused_and_change_nothing(wfm: Wfm) -> None:
    path = f"/wfm/agents/1001/schedule/{DAY}"
    cases = [
        [{"code": "work", "start": f"{DAY}T09:00", "end": f"{DAY}T12:00"},
         {"code": "work", "start": f"{DAY}T11:00", "end": f"{DAY}T13:00"}],  # overlap
        [{"code": "nonsense", "start": f"{DAY}T09:00", "end": f"{DAY}T10:00"}],
        [{"code": "work", "start": f"{DAY}T10:00", "end": f"{DAY}T09:00"}],
        [{"code": "work", "start": "tomorrow", "end": f"{DAY}T09:00"}],
        [{"code": "work", "start": f"{DAY}T09:00+02:00", "end": f"{DAY}T10:00"}],
        [{"code": "work", "start": "2026-12-05T09:00", "end": "2026-12-05T10:00"}],  # other day
        ["work"],
    ]  # fmt: skip
    for activities in cases:
        await wfm.refused("PUT", path, "sup", {"activities": activities})
    await wfm.refused("PUT", "/wfm/agents/1001/schedule/not-a-day", "sup", {"activities": []})
    day = (await wfm.ok("GET", f"/wfm/agents/1001/schedule?from={DAY}&to={DAY}", "anna"))[0]
    assert not day["published"]
    assert wfm.mailbox.received == []


async def test_a_new_agent_appears_after_the_nightly_sync(wfm: Wfm) -> None:
    from vcc.store import repository

    async with wfm.api.wfm.ctx.sessions() as session:
        await repository.add_agent(session, id="1004", name="Dirk", extension="1004",
                                   sip_password="x" * 12)  # fmt: skip
        await session.commit()
    error = await wfm.refused("GET", "/wfm/agents/1004/schedule", "sup", status=404)
    assert "nightly sync" in error["hint"]
    report = await wfm.ok("POST", "/wfm/sync", "sup")
    assert report["added"] == ["1004"]
    await wfm.ok("GET", "/wfm/agents/1004/schedule", "sup")
    assert "1004" in [r["agent_id"] for r in await wfm.ok("GET", "/wfm/roster", "sup")]


async def test_a_change_request_is_edited_cancelled_or_approved_into_the_schedule(
    wfm: Wfm,
) -> None:
    await wfm.publish("1001", DAY, *WORK_DAY)
    ask = {"kind": "change", "code": "training", "start": f"{DAY}T14:00", "end": f"{DAY}T15:00",
           "comment": "product training"}  # fmt: skip
    made = await wfm.ok("POST", "/wfm/requests", "anna", ask)
    assert made["status"] == "pending"
    edited = await wfm.ok("PATCH", f"/wfm/requests/{made['id']}", "anna",
                          {"start": f"{DAY}T15:00", "end": f"{DAY}T16:00"})  # fmt: skip
    assert edited["start"].endswith("15:00")
    await wfm.refused("PATCH", f"/wfm/requests/{made['id']}", "bob",
                      {"start": f"{DAY}T15:00", "end": f"{DAY}T16:00"}, status=404)  # fmt: skip
    cancelled = await wfm.ok("POST", f"/wfm/requests/{made['id']}/cancel", "anna")
    assert cancelled["status"] == "cancelled"
    await wfm.refused("PATCH", f"/wfm/requests/{made['id']}", "anna",
                      {"start": f"{DAY}T15:00", "end": f"{DAY}T16:00"}, status=409)  # fmt: skip

    again = await wfm.ok("POST", "/wfm/requests", "anna", ask)
    decided = await wfm.ok("POST", f"/wfm/requests/{again['id']}/decision", "sup",
                           {"approve": True})  # fmt: skip
    assert (decided["status"], decided["decided_by"]) == ("approved", "sup")
    await wfm.refused("POST", f"/wfm/requests/{again['id']}/decision", "sup",
                      {"approve": False}, status=409)  # fmt: skip
    day = (await wfm.ok("GET", f"/wfm/agents/1001/schedule?from={DAY}&to={DAY}", "anna"))[0]
    assert [(a["code"], a["start"][-5:], a["end"][-5:]) for a in day["activities"]] == [
        ("work", "09:00", "12:00"), ("lunch", "12:00", "12:30"), ("work", "12:30", "14:00"),
        ("training", "14:00", "15:00"), ("work", "15:00", "17:00"),
    ]  # fmt: skip
    assert any("approved" in m["Subject"] for m in wfm.mailbox.to("anna@example.org"))


async def test_part_day_time_off_limits_balance_approval_and_cancel_restoring_the_day(
    wfm: Wfm,
) -> None:
    def part(start: str, end: str, day: str = DAY) -> dict[str, str]:
        return {"kind": "partial_day", "code": "vacation", "start": f"{day}T{start}",
                "end": f"{day}T{end}"}  # fmt: skip

    await wfm.refused("POST", "/wfm/requests", "anna", part("13:00", "17:00"), status=409)
    await wfm.publish("1001", DAY, *WORK_DAY)
    for start, end in (("13:00", "13:30"), ("08:00", "17:00")):  # 0.5 h, 9 h
        error = await wfm.refused("POST", "/wfm/requests", "anna", part(start, end))
        assert "1 to 8 hours" in error["message"]
    error = await wfm.refused("POST", "/wfm/requests", "anna", part("13:00", "17:00"), status=409)
    assert "0 h left" in error["message"]  # nothing earned yet: never below zero
    await wfm.ok("PUT", "/wfm/agents/1001/balances/vacation", "sup", {"earned_hours": 16})
    made = await wfm.ok("POST", "/wfm/requests", "anna", part("13:00", "17:00"))
    assert made["hours"] == 4.0
    # Pending hours count: 16 earned, 4 asked, so 13 more is too much.
    await wfm.refused("POST", "/wfm/requests", "anna",
                      {"kind": "full_day", "code": "vacation", "first": "2026-12-07",
                       "last": "2026-12-08"}, status=409)  # fmt: skip
    await wfm.ok("POST", f"/wfm/requests/{made['id']}/decision", "sup", {"approve": True})
    balance = next(b for b in await wfm.ok("GET", "/wfm/agents/1001/balances", "anna")
                   if b["code"] == "vacation")  # fmt: skip
    assert (balance["earned"], balance["used"], balance["planned"], balance["remaining"]) == (
        16, 0, 4, 12,
    )  # fmt: skip
    day = (await wfm.ok("GET", f"/wfm/agents/1001/schedule?from={DAY}&to={DAY}", "anna"))[0]
    assert ("vacation", "13:00", "17:00") in [
        (a["code"], a["start"][-5:], a["end"][-5:]) for a in day["activities"]
    ]

    await wfm.ok("POST", f"/wfm/requests/{made['id']}/cancel", "anna")
    day = (await wfm.ok("GET", f"/wfm/agents/1001/schedule?from={DAY}&to={DAY}", "anna"))[0]
    assert [(a["code"], a["start"][-5:], a["end"][-5:]) for a in day["activities"]] == list(
        WORK_DAY
    )  # the previous schedule is back
    balance = next(b for b in await wfm.ok("GET", "/wfm/agents/1001/balances", "anna")
                   if b["code"] == "vacation")  # fmt: skip
    assert balance["remaining"] == 16
    mail = await eventually(lambda: wfm.mailbox.to("sup@example.org"), what="the manager told")
    assert "Time off cancelled" in mail[-1]["Subject"]


async def test_approved_time_off_that_has_begun_cannot_be_cancelled(wfm: Wfm) -> None:
    await wfm.publish("1001", DAY, *WORK_DAY)
    await wfm.ok("PUT", "/wfm/agents/1001/balances/vacation", "sup", {"earned_hours": 40})
    made = await wfm.ok("POST", "/wfm/requests", "anna", {
        "kind": "full_day", "code": "vacation", "first": DAY, "last": "2026-12-03"})  # fmt: skip
    assert made["hours"] == 7.5 + 8  # the scheduled day, then a standard day
    await wfm.ok("POST", f"/wfm/requests/{made['id']}/decision", "sup", {"approve": True})
    wfm.clock.now = datetime(2026, 12, 2, 10, tzinfo=UTC)  # the day off has begun
    error = await wfm.refused("POST", f"/wfm/requests/{made['id']}/cancel", "anna", status=409)
    assert "begun" in error["message"]
    listed = await wfm.ok("GET", "/wfm/requests?month=2026-12-01&status=approved", "anna")
    assert [r["id"] for r in listed] == [made["id"]]
    assert await wfm.ok("GET", "/wfm/requests?month=2026-11-01", "anna") == []
    await wfm.refused("GET", "/wfm/requests?status=nonsense", "anna")


async def test_interval_time_off_is_auto_approved_where_enough_colleagues_work(
    wfm: Wfm,
) -> None:
    for agent in ("1001", "1002"):
        await wfm.publish(agent, DAY, ("work", "09:00", "17:00"))
    await wfm.ok("PUT", "/wfm/agents/1001/balances/personal", "sup", {"earned_hours": 8})
    options = await wfm.ok("GET", f"/wfm/agents/1001/intervals?day={DAY}", "anna")
    assert len(options) == 16
    assert all(o["auto"] for o in options)
    ask = {"kind": "intervals", "code": "personal", "day": DAY,
           "intervals": [f"{DAY}T10:00", f"{DAY}T10:30"]}  # fmt: skip
    made = await wfm.ok("POST", "/wfm/requests", "anna", ask)
    assert (made["status"], made["hours"], made["decided_by"]) == (
        "approved", 1.0, "auto-approved",
    )  # fmt: skip
    gap = {**ask, "intervals": [f"{DAY}T13:00", f"{DAY}T14:00"]}
    assert "consecutive" in (await wfm.refused("POST", "/wfm/requests", "anna", gap))["message"]


async def test_an_absence_is_at_most_28_days_ahead_and_emails_the_supervisor(wfm: Wfm) -> None:
    await wfm.ok("PUT", "/wfm/agents/1002/balances/sick", "sup", {"earned_hours": 8})
    far = (START_DAY + timedelta(days=29)).isoformat()
    near = (START_DAY + timedelta(days=28)).isoformat()
    ask = {"kind": "absence", "code": "sick", "comment": "doctor"}
    error = await wfm.refused("POST", "/wfm/requests", "bob",
                              {**ask, "start": f"{far}T09:00", "end": f"{far}T11:00"})  # fmt: skip
    assert "28 days" in error["message"]
    made = await wfm.ok("POST", "/wfm/requests", "bob",
                        {**ask, "start": f"{near}T09:00", "end": f"{near}T11:00"})  # fmt: skip
    assert made["kind"] == "absence"
    mail = await eventually(lambda: wfm.mailbox.to("sup@example.org"), what="supervisor mail")
    assert f"Absence request: 1002 {near}" in mail[0]["Subject"]
    assert "doctor" in mail[0].get_payload()


async def test_a_swap_offer_reaches_colleagues_and_exactly_one_of_two_accepting_wins(
    wfm: Wfm,
) -> None:
    await wfm.publish("1001", DAY, ("work", "09:00", "17:00"))
    await wfm.publish("1002", DAY, ("work", "13:00", "21:00"))
    offer = await wfm.ok("POST", "/wfm/swaps", "anna",
                         {"day": DAY, "expires_at": f"{DAY}T08:00"})  # fmt: skip
    for user in ("bob", "cas"):
        inbox = await wfm.ok("GET", "/wfm/notifications", user)
        assert any("Swap offer" in n["title"] for n in inbox["notifications"])
    assert [s["id"] for s in await wfm.ok("GET", "/wfm/swaps", "cas")] == [offer["id"]]

    both = await asyncio.gather(
        wfm.call("POST", f"/wfm/swaps/{offer['id']}/accept", "bob"),
        wfm.call("POST", f"/wfm/swaps/{offer['id']}/accept", "cas"),
    )
    assert sorted(r.status for r in both) == [200, 409]
    winner = "1002" if both[0].status == 200 else "1003"
    shifts = {}
    for agent in ("1001", winner):
        day = (await wfm.ok("GET", f"/wfm/agents/{agent}/schedule?from={DAY}&to={DAY}",
                            "sup"))[0]  # fmt: skip
        shifts[agent] = [(a["start"][-5:], a["end"][-5:]) for a in day["activities"]]
    assert shifts[winner] == [("09:00", "17:00")]
    assert shifts["1001"] == ([("13:00", "21:00")] if winner == "1002" else [])


async def test_an_expired_or_declined_offer_cannot_be_taken(wfm: Wfm) -> None:
    await wfm.publish("1001", DAY, ("work", "09:00", "17:00"))
    offer = await wfm.ok("POST", "/wfm/swaps", "anna",
                         {"day": DAY, "expires_at": "2026-12-01T12:00"})  # fmt: skip
    await wfm.ok("POST", f"/wfm/swaps/{offer['id']}/decline", "cas")
    assert await wfm.ok("GET", "/wfm/swaps", "cas") == []  # Geen belangstelling: gone
    await wfm.refused("POST", f"/wfm/swaps/{offer['id']}/accept", "anna")  # one's own
    wfm.clock.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    error = await wfm.refused("POST", f"/wfm/swaps/{offer['id']}/accept", "bob", status=409)
    assert "expired" in error["message"]
    mine = await wfm.ok("GET", "/wfm/swaps", "anna")
    assert mine[0]["status"] == "expired"
    async with wfm.api.wfm.ctx.sessions() as session:  # the shift stayed where it was
        rows = (await session.scalars(select(WfmBlock).where(WfmBlock.day == START_DAY
                + timedelta(days=1)))).all()  # fmt: skip
        assert {r.agent_id for r in rows} == {"1001"}


async def test_adherence_and_staffing_from_the_live_statuses_and_call_history(
    wfm: Wfm,
) -> None:
    today = "2026-12-01"
    await wfm.publish("1001", today, ("work", "09:00", "10:00"), ("break", "10:00", "10:15"))
    async with wfm.api.wfm.ctx.sessions() as session:
        for hour, status in (
            (8.9, Status.AVAILABLE),
            (9.5, Status.BREAK),
            (10.25, Status.AVAILABLE),
        ):
            session.add(AgentStatusChange(agent_id="1001", status=status,
                        at=datetime(2026, 12, 1, tzinfo=UTC) + timedelta(hours=hour)))  # fmt: skip
        for week in (1, 2, 3, 4):  # four Tuesdays, 40 calls each 09:00-09:30
            for n in range(40):
                arrived = (
                    datetime(2026, 12, 1, 9, tzinfo=UTC)
                    - timedelta(weeks=week)
                    + timedelta(seconds=40 * n)
                )
                session.add(Interaction(id=f"w{week}-{n}", kind=InteractionKind.CALL,
                    queue_id="support", enqueued_at=arrived, answered_at=arrived,
                    ended_at=arrived + timedelta(seconds=240)))  # fmt: skip
        await session.commit()
    wfm.clock.now = datetime(2026, 12, 1, 11, tzinfo=UTC)
    seen = await wfm.ok("GET", f"/wfm/agents/1001/adherence?day={today}", "anna")
    assert seen["percent"] == 60  # 30 of 60 minutes' work, and all 15 of the break
    by_start = {i["start"][-5:]: i for i in seen["intervals"]}
    assert by_start["09:00"]["percent"] == 100
    assert by_start["09:30"]["percent"] == 0  # on break when work was planned
    assert by_start["10:00"]["percent"] == 100  # the planned break
    staffing = await wfm.ok("GET", f"/wfm/staffing?day={today}&queue=support", "sup")
    nine = next(s for s in staffing if s["start"].endswith("09:00"))
    assert (nine["calls"], nine["handle_seconds"], nine["scheduled"]) == (40.0, 240, 1)
    assert nine["needed"] > nine["scheduled"]
    await wfm.refused("GET", f"/wfm/staffing?day={today}", "anna", status=403)


START_DAY = datetime(2026, 12, 1).date()
