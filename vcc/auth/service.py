"""Accounts and sessions: activation by a supervisor's code, login with lockout and
optional TOTP, sessions that end after an hour idle, logout (rules: vcc.core.access).

Login failures all read alike to the caller ("wrong username or password") whether
the user exists or not, and take as long (a dummy argon2 check); only a locked
account or a missing MFA code say more, and only after the password was right.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vcc.auth import passwords, totp
from vcc.core.access import (
    ACTIVATION_VALID,
    SESSION_IDLE,
    LockoutPolicy,
    PasswordPolicy,
    Role,
    may_manage,
    username,
)
from vcc.errors import (
    AccessDenied,
    AccountLocked,
    ActivationInvalid,
    Conflict,
    InvalidCredentials,
    MfaInvalid,
    MfaNotSetUp,
    MfaRequired,
    NotFound,
)
from vcc.store.models import Agent, TenantSettings, User, UserSession


@dataclass(frozen=True)
class Principal:
    """Who a request is from."""

    user_id: int
    username: str
    role: Role
    agent_id: str | None


@dataclass(frozen=True)
class LoggedIn:
    token: str  # given to the client once; the store keeps its hash only
    principal: Principal


DEFAULT_PASSWORDS = PasswordPolicy()
DEFAULT_LOCKOUT = LockoutPolicy()


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _principal(user: User) -> Principal:
    return Principal(user.id, user.username, user.role, user.agent_id)


class AuthService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        mfa_required: Collection[Role] = (),
        passwords_policy: PasswordPolicy = DEFAULT_PASSWORDS,
        lockout: LockoutPolicy = DEFAULT_LOCKOUT,
        idle: float = SESSION_IDLE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``mfa_required``: roles that must log in with a TOTP code (admin policy)."""
        self.sessions = sessions
        self.mfa_required = frozenset(mfa_required)
        self.passwords = passwords_policy
        self.lockout = lockout
        self.idle = idle
        self.clock = clock

    # -- accounts -------------------------------------------------------------------
    async def create_user(
        self, by: Principal | None, name: str, role: Role, agent_id: str | None = None
    ) -> str:
        """A new account, not yet usable; returns its activation code (``by`` None:
        the command line, run by the host's admin)."""
        name = username(name)
        if by is not None and not may_manage(by.role, role):
            raise AccessDenied(f"a {by.role.value} cannot create {role.value} accounts")
        async with self.sessions() as session:
            if agent_id is not None and await session.get(Agent, agent_id) is None:
                raise NotFound(f"agent {agent_id!r} does not exist")
            taken = await session.scalar(select(User.id).where(User.username == name))
            if taken is not None:
                raise Conflict(f"user {name!r} already exists")
            user = User(username=name, role=role, agent_id=agent_id, failed_logins=0)
            code = self._new_activation(user)
            session.add(user)
            await session.commit()
        return code

    async def issue_activation(self, by: Principal | None, name: str) -> str:
        """A new activation code (a forgotten password, a new phone for MFA): the old
        password and sessions stop working until the user activates again."""
        async with self.sessions() as session:
            user = await self._user(session, username(name))
            if by is not None and not may_manage(by.role, user.role):
                raise AccessDenied(f"a {by.role.value} cannot re-activate {user.role.value}s")
            code = self._new_activation(user)
            user.password_hash = None
            user.totp_secret = None
            user.totp_last_step = None
            user.totp_pending = None
            await session.execute(delete(UserSession).where(UserSession.user_id == user.id))
            await session.commit()
        return code

    def _new_activation(self, user: User) -> str:
        code = passwords.new_activation_code()
        user.activation_hash = passwords.token_hash(passwords.normalise_code(code))
        user.activation_expires_at = _utc(self.clock() + ACTIVATION_VALID)
        return code

    async def activate(self, name: str, code: str, new_password: str) -> None:
        """First login: the code a supervisor gave, and the password the user picks."""
        name = username(name)
        self.passwords.check(new_password, name)
        async with self.sessions() as session:
            user = await session.scalar(select(User).where(User.username == name))
            typed = passwords.token_hash(passwords.normalise_code(code))
            if (
                user is None
                or user.activation_hash is None
                or user.activation_expires_at is None
                or user.activation_expires_at < _utc(self.clock())
                or not _same(user.activation_hash, typed)
            ):
                raise ActivationInvalid(
                    "that activation code is not valid (wrong, used or expired)",
                    hint="ask your supervisor for a new one",
                )
            user.password_hash = passwords.hash_password(new_password)
            user.activation_hash = None
            user.activation_expires_at = None
            user.failed_logins = 0
            user.locked_until = None
            await session.commit()

    # -- MFA ------------------------------------------------------------------------
    async def start_totp(self, principal: Principal) -> tuple[str, str]:
        """A new TOTP secret for the user's app; returns (secret, otpauth URI). Not in
        force until :meth:`confirm_totp` sees a code from it."""
        secret = totp.new_secret()
        async with self.sessions() as session:
            user = await session.get(User, principal.user_id)
            if user is None:
                raise NotFound("the user no longer exists")
            user.totp_pending = secret
            await session.commit()
        return secret, totp.provisioning_uri(secret, principal.username)

    async def confirm_totp(self, principal: Principal, code: str) -> None:
        async with self.sessions() as session:
            user = await session.get(User, principal.user_id)
            if user is None:
                raise NotFound("the user no longer exists")
            secret = user.totp_pending
            if secret is None:
                raise MfaInvalid("no authenticator is being set up", hint="start MFA setup first")
            step = totp.matching_step(secret, code, self.clock(), None)
            if step is None:
                raise MfaInvalid("that code does not match the new authenticator")
            user.totp_secret, user.totp_last_step, user.totp_pending = secret, step, None
            await session.commit()

    # -- the admin's MFA policy ------------------------------------------------------
    async def mfa_policy(self) -> tuple[frozenset[Role], frozenset[Role]]:
        """(roles the admin requires two-step login of, roles the config adds)."""
        async with self.sessions() as session:
            return await self._stored_mfa_roles(session), self.mfa_required

    async def set_mfa_policy(self, by: Principal, roles: Collection[Role]) -> None:
        if by.role is not Role.ADMIN:
            raise AccessDenied("only an admin sets the two-step login policy")
        async with self.sessions() as session:
            row = await session.get(TenantSettings, 1)
            if row is None:
                row = TenantSettings(id=1)
                session.add(row)
            row.mfa_roles = ",".join(sorted(r.value for r in set(roles)))
            await session.commit()

    async def _stored_mfa_roles(self, session: AsyncSession) -> frozenset[Role]:
        row = await session.get(TenantSettings, 1)
        if row is None or not row.mfa_roles:
            return frozenset()
        known = {r.value for r in Role}
        return frozenset(Role(r) for r in row.mfa_roles.split(",") if r in known)

    async def _mfa_roles(self, session: AsyncSession) -> frozenset[Role]:
        return self.mfa_required | await self._stored_mfa_roles(session)

    async def set_email(self, principal: Principal, address: str | None) -> None:
        """Where copies of the user's notifications go (None: nowhere)."""
        async with self.sessions() as session:
            user = await session.get(User, principal.user_id)
            if user is None:
                raise NotFound("the user no longer exists")
            user.email = address
            await session.commit()

    # -- sessions -------------------------------------------------------------------
    async def login(self, name: str, password: str, totp_code: str | None = None) -> LoggedIn:
        now = self.clock()
        try:
            name = username(name)
        except Exception:
            passwords.verify_password(None, password)  # the same time as any failure
            raise InvalidCredentials("wrong username or password") from None
        async with self.sessions() as session:
            user = await session.scalar(select(User).where(User.username == name))
            # The password first, always: a locked account answers like any other
            # until the right password is given, so lockouts do not reveal who exists.
            locked = (
                user is not None
                and user.locked_until is not None
                and (user.locked_until > _utc(now))
            )
            if not passwords.verify_password(user.password_hash if user else None, password):
                if user is not None and not locked:
                    await self._failed(session, user, now)
                raise InvalidCredentials("wrong username or password")
            assert user is not None
            if user.locked_until is not None and locked:
                raise AccountLocked(
                    "this account is locked after too many failed logins",
                    hint=f"try again after {user.locked_until:%H:%M} UTC, or ask a supervisor",
                )
            assert user.password_hash is not None
            if user.totp_secret is not None or user.role in await self._mfa_roles(session):
                await self._second_factor(session, user, totp_code, now)
            if passwords.needs_rehash(user.password_hash):
                user.password_hash = passwords.hash_password(password)
            user.failed_logins = 0
            user.locked_until = None
            token = passwords.new_token()
            session.add(
                UserSession(
                    token_hash=passwords.token_hash(token),
                    user_id=user.id,
                    created_at=_utc(now),
                    last_seen_at=_utc(now),
                )
            )
            await session.commit()
            return LoggedIn(token, _principal(user))

    async def _failed(self, session: AsyncSession, user: User, now: float) -> None:
        user.failed_logins += 1
        if user.failed_logins >= self.lockout.max_failures:
            user.locked_until = _utc(now + self.lockout.lock_for)
            user.failed_logins = 0
        await session.commit()

    async def _second_factor(
        self, session: AsyncSession, user: User, code: str | None, now: float
    ) -> None:
        if user.totp_secret is None:
            # The policy asks for MFA and the account has none: it cannot log in until
            # an admin lets it set one up (a fresh activation).
            raise MfaNotSetUp(
                f"{user.role.value}s must use two-factor login and this account has none",
                hint="ask a supervisor for a new activation code, then set up MFA",
            )
        if not code:
            raise MfaRequired("enter the code from your authenticator app")
        step = totp.matching_step(user.totp_secret, code.strip(), now, user.totp_last_step)
        if step is None:
            await self._failed(session, user, now)
            raise MfaInvalid("that code is not valid (wrong, expired or already used)")
        user.totp_last_step = step

    async def authenticate(self, token: str) -> Principal | None:
        """The session's user, if it is still live; each use moves its end an hour on."""
        if not token or len(token) > 128:
            return None
        now = self.clock()
        async with self.sessions() as session:
            row = await session.get(UserSession, passwords.token_hash(token))
            if row is None:
                return None
            if row.last_seen_at < _utc(now) - timedelta(seconds=self.idle):
                await session.delete(row)
                await session.commit()
                return None
            user = await session.get(User, row.user_id)
            if user is None or user.password_hash is None:
                return None
            row.last_seen_at = _utc(now)
            await session.commit()
            return _principal(user)

    async def logout(self, token: str) -> None:
        async with self.sessions() as session:
            await session.execute(
                delete(UserSession).where(UserSession.token_hash == passwords.token_hash(token))
            )
            await session.commit()

    async def _user(self, session: AsyncSession, name: str) -> User:
        user = await session.scalar(select(User).where(User.username == name))
        if user is None:
            raise NotFound(f"user {name!r} does not exist")
        return user


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
