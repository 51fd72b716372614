"""Who may do what: roles, the permissions each grants, and the account rules
(passwords, lockout, sessions). Pure; vcc.auth applies them, vcc.api checks them.

Everything is denied unless a role grants it. An agent acts for their own agent only
(the API checks that an agent's request names their own agent id); supervisors and
admins act for any agent.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from vcc.errors import InvalidInput


class Role(enum.StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Permission(enum.StrEnum):
    OWN_STATUS = "own_status"  # read and change one's own status
    ANY_STATUS = "any_status"  # a supervisor changes an agent's status
    OWN_PROFILE = "own_profile"  # desk phone, verify it
    OWN_CALLS = "own_calls"  # click-to-dial, hold, transfer… on one's own calls
    ANY_CALLS = "any_calls"  # the same on any agent's calls
    VIEW_QUEUES = "view_queues"  # queues and agents in real time
    READ_NOTIFICATIONS = "read_notifications"
    SEND_NOTIFICATIONS = "send_notifications"
    MANAGE_USERS = "manage_users"  # create users, issue activation codes
    VIEW_METRICS = "view_metrics"
    OWN_RECORDINGS = "own_recordings"  # "Mijn opname": one's own custom recordings
    ANY_RECORDINGS = "any_recordings"  # everyone's, and tenant-wide ones
    MANAGE_SYSTEM = "manage_system"  # admin only: security policy, supervisors' accounts
    OWN_SCHEDULE = "own_schedule"  # WFM: one's schedule, requests, time off, swaps
    ANY_SCHEDULE = "any_schedule"  # WFM: publish schedules, decide requests, balances
    OWN_WORK = "own_work"  # one's chats, emails, voicemails; chat with other agents
    ANY_WORK = "any_work"  # every agent's chats, emails and voicemails
    CRM = "crm"  # customers, cases, tasks; read FAQ and knowledge base
    MANAGE_HELP = "manage_help"  # admin only: write FAQ and knowledge-base articles


_AGENT = frozenset(
    {
        Permission.OWN_STATUS,
        Permission.OWN_PROFILE,
        Permission.OWN_CALLS,
        Permission.VIEW_QUEUES,
        Permission.READ_NOTIFICATIONS,
        Permission.OWN_RECORDINGS,
        Permission.OWN_SCHEDULE,
        Permission.OWN_WORK,
        Permission.CRM,
    }
)
_SUPERVISOR = _AGENT | {
    Permission.ANY_STATUS,
    Permission.ANY_CALLS,
    Permission.SEND_NOTIFICATIONS,
    Permission.MANAGE_USERS,
    Permission.VIEW_METRICS,
    Permission.ANY_RECORDINGS,
    Permission.ANY_SCHEDULE,
    Permission.ANY_WORK,
}
GRANTS: Mapping[Role, frozenset[Permission]] = MappingProxyType(
    {Role.AGENT: _AGENT, Role.SUPERVISOR: frozenset(_SUPERVISOR), Role.ADMIN: frozenset(Permission)}
)


def allowed(role: Role | str, permission: Permission) -> bool:
    """Does ``role`` grant ``permission``? Unknown roles grant nothing."""
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False


def may_manage(manager: Role, role: Role) -> bool:
    """Supervisors create and re-activate agents; admins anyone."""
    return manager is Role.ADMIN or (manager is Role.SUPERVISOR and role is Role.AGENT)


@dataclass(frozen=True)
class PasswordPolicy:
    """At least ``min_length`` characters (length is what makes a password strong; no
    composition rules, as NIST SP 800-63B advises), at most ``max_length`` (argon2
    hashes anything, but a megabyte password is an attack), not all one character,
    and not the username."""

    min_length: int = 12
    max_length: int = 256

    def check(self, password: str, username: str) -> None:
        if len(password) < self.min_length:
            raise InvalidInput(f"a password needs at least {self.min_length} characters")
        if len(password) > self.max_length:
            raise InvalidInput(f"a password has at most {self.max_length} characters")
        if len(set(password)) == 1 or password.casefold() == username.casefold():
            raise InvalidInput(
                "that password is too easy to guess", hint="use a phrase of several words"
            )
        if any(unicodedata.category(c) == "Cc" for c in password):
            raise InvalidInput("a password cannot contain control characters")


@dataclass(frozen=True)
class LockoutPolicy:
    """``max_failures`` wrong logins in a row lock the account for ``lock_for`` s."""

    max_failures: int = 5
    lock_for: float = 900.0


SESSION_IDLE = 3600.0  # a session ends after 60 minutes without a request
ACTIVATION_VALID = 72 * 3600.0  # an activation code is good for three days


def username(value: str) -> str:
    """A username as typed: lowercase ASCII letters, digits, '.', '_', '-' (1–64);
    compared in lowercase. Look-alike letters from other scripts are refused."""
    name = value.strip(" ").lower()
    if not (1 <= len(name) <= 64) or not all(
        c.isascii() and (c.isalnum() or c in "._-") for c in name
    ):
        raise InvalidInput(
            "a username is 1 to 64 of a-z, 0-9, '.', '_' and '-'",
            hint="for example anna.de.vries",
        )
    return name
