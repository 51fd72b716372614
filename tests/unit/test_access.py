"""Roles and account rules (vcc.core.access), TOTP (RFC 6238) and hashing (vcc.auth)."""

from __future__ import annotations

import pytest

from vcc.auth import passwords, totp
from vcc.core.access import GRANTS, PasswordPolicy, Permission, Role, allowed, may_manage, username
from vcc.errors import InvalidInput


def test_each_role_has_exactly_its_grants_and_unknown_roles_none() -> None:
    for role in Role:
        for permission in Permission:
            assert allowed(role, permission) is (permission in GRANTS[role])
            assert not allowed("root", permission)
    assert allowed(Role.AGENT, Permission.OWN_CALLS)
    assert not allowed(Role.AGENT, Permission.ANY_STATUS)
    assert not allowed(Role.AGENT, Permission.SEND_NOTIFICATIONS)
    assert GRANTS[Role.AGENT] < GRANTS[Role.SUPERVISOR] < GRANTS[Role.ADMIN]
    assert may_manage(Role.SUPERVISOR, Role.AGENT)
    assert not may_manage(Role.SUPERVISOR, Role.ADMIN)
    assert not may_manage(Role.AGENT, Role.AGENT)


# RFC 6238 appendix B, SHA-1 (the secret "12345678901234567890", 8 digits).
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


@pytest.mark.parametrize(
    ("at", "code"),
    [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
     (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")],
)  # fmt: skip
def test_totp_matches_the_rfc_vectors(at: int, code: str) -> None:
    assert totp.code_at(RFC_SECRET, at, digits=8) == code


def test_a_totp_code_counts_within_one_step_and_only_once() -> None:
    secret = totp.new_secret()
    now = 1_790_000_000.0
    code = totp.code_at(secret, now)
    step = totp.matching_step(secret, code, now + 25, None)
    assert step == int(now // 30)
    assert totp.matching_step(secret, code, now, step) is None  # replayed
    assert totp.matching_step(secret, code, now + 95, None) is None  # too late
    for bad in ("", "12345", "1234567", "１２３４５６", "12345a"):
        assert totp.matching_step(secret, bad, now, None) is None
    assert totp.provisioning_uri(secret, "anna").startswith("otpauth://totp/vcc:anna?secret=")


def test_passwords_hash_with_argon2_and_tokens_with_sha256() -> None:
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "correct horse battery")
    assert not passwords.verify_password(stored, "wrong horse battery")
    assert not passwords.verify_password(None, "anything")
    assert not passwords.verify_password("not a hash", "anything")
    code = passwords.new_activation_code()
    assert len(passwords.normalise_code(code)) == 12
    assert passwords.normalise_code(code.lower().replace("-", " ")) == passwords.normalise_code(
        code
    )


@pytest.mark.parametrize(
    ("password", "error"),
    [("short", "at least 12"), ("a" * 257, "at most"), ("aaaaaaaaaaaaaa", "too easy"),
     ("Anna.de.Vries", "too easy"), ("twelve chars\x00!", "control")],
)  # fmt: skip
def test_weak_or_odd_passwords_are_refused(password: str, error: str) -> None:
    with pytest.raises(InvalidInput, match=error):
        PasswordPolicy().check(password, "anna.de.vries")


def test_usernames_are_plain_ascii_in_lowercase() -> None:
    assert username(" Anna.de.Vries ") == "anna.de.vries"
    for bad in ("", "a" * 65, "anna vries", "аnna", "anna\n", "anna;drop", "ann\u200ba"):
        with pytest.raises(InvalidInput):
            username(bad)
