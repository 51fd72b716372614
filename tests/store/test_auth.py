"""Accounts and sessions on a real database: activation, login, lockout, MFA, idle
expiry and logout; tokens and codes are kept only as hashes."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.store.test_journal import setup_db
from vcc.auth import totp
from vcc.auth.service import AuthService, Principal
from vcc.core.access import Role
from vcc.errors import (
    AccessDenied,
    AccountLocked,
    ActivationInvalid,
    Conflict,
    InvalidCredentials,
    InvalidInput,
    MfaInvalid,
    MfaNotSetUp,
    MfaRequired,
    NotFound,
)
from vcc.store.models import User, UserSession

PASSWORD = "a long enough passphrase"


class Clock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now


async def ready(
    sessions: async_sessionmaker[AsyncSession], **options: object
) -> tuple[AuthService, Clock]:
    await setup_db(sessions)
    clock = Clock()
    return AuthService(sessions, clock=clock, **options), clock  # type: ignore[arg-type]


async def test_a_new_user_activates_logs_in_and_out(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    auth, _ = await ready(sessions)
    code = await auth.create_user(None, "Anna", Role.AGENT, "1001")
    with pytest.raises(InvalidCredentials):  # not active yet
        await auth.login("anna", PASSWORD)
    with pytest.raises(ActivationInvalid):
        await auth.activate("anna", "AAAA-BBBB-CCCC", PASSWORD)
    await auth.activate("anna", code.lower(), PASSWORD)  # as typed, case and dashes aside
    with pytest.raises(ActivationInvalid):  # used once
        await auth.activate("anna", code, PASSWORD + "!")
    session = await auth.login("ANNA", PASSWORD)
    assert session.principal.role is Role.AGENT
    assert session.principal.agent_id == "1001"
    assert await auth.authenticate(session.token) == session.principal
    async with sessions() as db:
        stored = (await db.scalars(select(UserSession.token_hash))).all()
        user = await db.scalar(select(User))
    assert session.token not in stored  # only its hash
    assert user is not None
    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$")
    assert user.activation_hash is None
    await auth.logout(session.token)
    assert await auth.authenticate(session.token) is None


async def test_unknown_user_and_wrong_password_read_alike_and_five_lock_the_account(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    auth, clock = await ready(sessions)
    await auth.activate("bob", await auth.create_user(None, "bob", Role.AGENT), PASSWORD)
    with pytest.raises(InvalidCredentials) as unknown:
        await auth.login("nobody", PASSWORD)
    with pytest.raises(InvalidCredentials) as wrong:
        await auth.login("bob", "not the password")
    assert unknown.value.message == wrong.value.message
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            await auth.login("bob", "not the password")
    with pytest.raises(InvalidCredentials) as locked_wrong:  # reads as an unknown name
        await auth.login("bob", "not the password")
    assert locked_wrong.value.message == unknown.value.message
    with pytest.raises(AccountLocked):  # told only with the right password
        await auth.login("bob", PASSWORD)
    clock.now += 901
    assert (await auth.login("bob", PASSWORD)).principal.username == "bob"


async def test_a_session_ends_after_an_hour_idle_and_each_use_extends_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    auth, clock = await ready(sessions)
    await auth.activate("cor", await auth.create_user(None, "cor", Role.SUPERVISOR), PASSWORD)
    token = (await auth.login("cor", PASSWORD)).token
    clock.now += 3500
    assert await auth.authenticate(token) is not None  # used: an hour from now
    clock.now += 3500
    assert await auth.authenticate(token) is not None
    clock.now += 3601
    assert await auth.authenticate(token) is None
    assert await auth.authenticate("x" * 500) is None


async def test_mfa_required_by_policy_and_codes_work_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    auth, clock = await ready(sessions, mfa_required={Role.ADMIN})
    await auth.activate("root", await auth.create_user(None, "root", Role.ADMIN), PASSWORD)
    with pytest.raises(MfaNotSetUp, match="has none"):
        await auth.login("root", PASSWORD)
    # An agent sets MFA up of their own accord; then it is asked every time.
    await auth.activate("dina", await auth.create_user(None, "dina", Role.AGENT), PASSWORD)
    me = (await auth.login("dina", PASSWORD)).principal
    secret, uri = await auth.start_totp(me)
    assert secret in uri
    with pytest.raises(MfaInvalid):
        await auth.confirm_totp(
            me, "000000" if totp.code_at(secret, clock.now) != "000000" else "1"
        )
    await auth.confirm_totp(me, totp.code_at(secret, clock.now))
    with pytest.raises(MfaRequired, match="authenticator"):
        await auth.login("dina", PASSWORD)
    clock.now += 30
    code = totp.code_at(secret, clock.now)
    assert (await auth.login("dina", PASSWORD, code)).principal == me
    with pytest.raises(MfaInvalid):  # the same code again
        await auth.login("dina", PASSWORD, code)


async def test_an_authenticator_being_set_up_survives_a_restart(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    auth, clock = await ready(sessions)
    await auth.activate("erik", await auth.create_user(None, "erik", Role.AGENT), PASSWORD)
    me = (await auth.login("erik", PASSWORD)).principal
    secret, _ = await auth.start_totp(me)
    restarted = AuthService(sessions, clock=clock)  # another process, or after a restart
    await restarted.confirm_totp(me, totp.code_at(secret, clock.now))
    with pytest.raises(MfaInvalid, match="no authenticator is being set up"):
        await restarted.confirm_totp(me, totp.code_at(secret, clock.now))  # used up
    with pytest.raises(MfaRequired):
        await restarted.login("erik", PASSWORD)


async def test_who_may_create_whom_and_bad_input(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    auth, _ = await ready(sessions)
    supervisor = Principal(1, "sup", Role.SUPERVISOR, None)
    agent = Principal(2, "anna", Role.AGENT, "1001")
    await auth.create_user(supervisor, "eve", Role.AGENT)
    with pytest.raises(AccessDenied):
        await auth.create_user(supervisor, "mallory", Role.ADMIN)
    with pytest.raises(AccessDenied):
        await auth.create_user(agent, "friend", Role.AGENT)
    with pytest.raises(Conflict):
        await auth.create_user(None, "EVE", Role.AGENT)
    with pytest.raises(NotFound):
        await auth.create_user(None, "frank", Role.AGENT, "9999")
    for bad in ("", "a b", "ünal", "x" * 65, "eve;--"):
        with pytest.raises(InvalidInput):
            await auth.create_user(None, bad, Role.AGENT)
    with pytest.raises(InvalidInput, match="at least 12"):
        await auth.activate("eve", "whatever", "short")
    # A new activation code ends the old password and its sessions.
    code = await auth.create_user(None, "gus", Role.AGENT)
    await auth.activate("gus", code, PASSWORD)
    token = (await auth.login("gus", PASSWORD)).token
    await auth.issue_activation(supervisor, "gus")
    assert await auth.authenticate(token) is None
    with pytest.raises(InvalidCredentials):
        await auth.login("gus", PASSWORD)
