"""One small exception tree. Every error a user can see says what to do next."""

from __future__ import annotations


class VccError(Exception):
    """Base of every error vcc raises on purpose.

    ``code`` is a stable kebab-case id (used by the API later); ``hint`` tells the
    user what to do next and is printed by the CLI under the message.
    """

    code = "vcc-error"
    http_status = 500  # what the API answers with it

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  → {self.hint}" if self.hint else self.message


class ConfigError(VccError):
    code = "invalid-config"
    http_status = 500


class InvalidInput(VccError):
    code = "invalid-input"
    http_status = 400


class ProvisioningError(VccError):
    code = "provisioning-failed"


class PbxNotRunning(VccError):
    code = "pbx-not-running"
    http_status = 503


class PbxAlreadyRunning(VccError):
    code = "pbx-already-running"


class PortInUse(VccError):
    code = "port-in-use"


class PbxError(VccError):
    """The PBX refused an action or could not be reached."""

    code = "pbx-error"
    http_status = 503


class PbxDisconnected(PbxError):
    code = "pbx-disconnected"


class PbxTimeout(PbxError):
    code = "pbx-timeout"


class NotFound(VccError):
    """Something the request names (an agent, a queue, a reason code) does not exist."""

    code = "not-found"
    http_status = 404


class Conflict(VccError):
    """The change clashes with what is stored (a used extension, a finished interaction)."""

    code = "conflict"
    http_status = 409


class DatabaseUnavailable(VccError):
    """The configured database cannot be reached or opened."""

    code = "database-unavailable"
    http_status = 503


class RecordingNotAllowed(Conflict):
    """The call's queue never records (policy "never"), or recording is not set up."""

    code = "recording-not-allowed"


class VerificationFailed(InvalidInput):
    """The code typed back is not the one the verification call spoke."""

    code = "verification-code-wrong"


class VerificationExpired(Conflict):
    """No verification call to answer: none made, too late, or too many wrong codes."""

    code = "verification-expired"


class PhoneNotVerified(Conflict):
    """A desk phone is saved only once vcc has called it and the agent typed the code."""

    code = "phone-not-verified"


class InvalidCredentials(VccError):
    """Wrong username or password (the same words whichever it was)."""

    code = "invalid-credentials"
    http_status = 401


class Unauthenticated(VccError):
    """No session, or one that ended (an hour idle, logged out)."""

    code = "unauthenticated"
    http_status = 401


class AccessDenied(VccError):
    """Logged in, but no role of the user's grants this."""

    code = "forbidden"
    http_status = 403


class AccountLocked(VccError):
    code = "account-locked"
    http_status = 423


class MfaRequired(VccError):
    code = "mfa-required"
    http_status = 401


class MfaNotSetUp(MfaRequired):
    """The admin's policy asks this role for two-factor login and the account has none."""

    code = "mfa-not-set-up"


class MfaInvalid(VccError):
    code = "mfa-invalid"
    http_status = 401


class ActivationInvalid(VccError):
    code = "activation-invalid"
    http_status = 400
