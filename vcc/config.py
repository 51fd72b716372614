"""Settings: one TOML file plus ``VCC_*`` environment variables (the environment wins)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vcc import validate
from vcc.errors import ConfigError, InvalidInput

REPO_DIR = Path(__file__).resolve().parents[1]


def _default_data_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/var/lib/vcc")
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local/share")) / "vcc"


def _default_cache_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/var/cache/vcc")
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "vcc"


@dataclass(frozen=True)
class PbxPorts:
    """Loopback ports one Asterisk instance uses. Tests use their own set."""

    sip: int = 5060
    ami: int = 5038
    rtp_start: int = 10000
    rtp_end: int = 10999

    def __post_init__(self) -> None:
        for name in ("sip", "ami", "rtp_start", "rtp_end"):
            validate.port(getattr(self, name), what=f"{name} port")
        if self.rtp_end - self.rtp_start < 10:
            raise ConfigError("the RTP port range is too small", hint="give at least 10 ports")


@dataclass(frozen=True)
class AmiSettings:
    """How the controller reaches an Asterisk Manager Interface."""

    host: str = "127.0.0.1"
    port: int = 5038
    username: str = "vcc"
    secret_file: Path | None = None  # None: the local instance's generated secret
    secret: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        validate.port(self.port, what="AMI port")


@dataclass(frozen=True)
class EslSettings:
    """Where `vcc serve --pbx freeswitch` finds FreeSWITCH's event socket."""

    host: str = "127.0.0.1"
    port: int = 8021
    password: str = ""  # event_socket.conf.xml's (freeswitch-conf/vars_vcc.xml)

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"ESL port {self.port} is out of range", hint="1 to 65535")


PBX_KINDS = ("asterisk", "freeswitch")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=_default_data_dir)
    cache_dir: Path = field(default_factory=_default_cache_dir)
    dialplan_dir: Path = REPO_DIR / "dialplan"
    instance: str = "default"
    ports: PbxPorts = PbxPorts()
    ami: AmiSettings = AmiSettings()
    pbx: str = "asterisk"  # which PBX `vcc serve` drives: asterisk (AMI) or freeswitch (ESL)
    esl: EslSettings = EslSettings()
    debian_mirror: str | None = None  # default: read from this machine's apt sources
    # The contact center's queues, agents, menus and status codes (vcc.tenant).
    tenant_file: Path = REPO_DIR / "vcc" / "tenants" / "demo.toml"
    # None: SQLite in data_dir (see effective_database_url), so that changing
    # data_dir moves the default database with it.
    database_url: str | None = None
    # Where `vcc serve` serves the API and console (loopback unless the admin opens it).
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    # Roles that must log in with an authenticator code (admin policy).
    mfa_required: tuple[str, ...] = ()
    # Workforce management: the contact center's time zone (schedules are wall-clock
    # times there), the SMTP server notification copies go through (none: no email).
    timezone: str = "Europe/Amsterdam"
    smtp_host: str | None = None
    smtp_port: int = 25
    mail_from: str = "vcc@localhost"
    supervisor_email: str | None = None  # absence requests go here too
    allow_negative_balance: bool = False
    # Omnichannel (vcc.digital): the SMTP listener inbound email reaches (no port: no
    # email channel), the address customers write to (replies come from it), the queue
    # its email waits in (default: the first queue); per agent, how many chats, emails
    # and voicemails at once, and whether calls still come while they have any.
    email_port: int | None = None
    email_host: str = "127.0.0.1"
    email_address: str = "support@vcc.localhost"
    email_queue: str | None = None
    chat_capacity: int = 3
    email_capacity: int = 2
    voicemail_capacity: int = 1
    calls_with_other_work: bool = False
    channel_order: tuple[str, ...] = ("voicemail", "chat", "email")  # who is served first

    def __post_init__(self) -> None:
        validate.port(self.api_port, what="API port")
        if self.pbx not in PBX_KINDS:
            raise ConfigError(f"pbx {self.pbx[:20]!r} is unknown", hint="asterisk or freeswitch")
        if not 1 <= self.smtp_port <= 65535:  # 25 and 587 are normal here: no 1024 floor
            raise ConfigError(f"SMTP port {self.smtp_port} is out of range", hint="1 to 65535")
        try:
            ZoneInfo(self.timezone)
        except (ValueError, ZoneInfoNotFoundError):
            raise ConfigError(
                f"timezone {self.timezone[:60]!r} is unknown",
                hint="an IANA name, e.g. Europe/Amsterdam",
            ) from None
        if self.email_port is not None and not 1 <= self.email_port <= 65535:
            raise ConfigError(f"email port {self.email_port} is out of range", hint="1 to 65535")
        if sorted(self.channel_order) != ["chat", "email", "voicemail"]:
            raise ConfigError(
                "channel_order names chat, email and voicemail, each once",
                hint='e.g. channel_order = ["voicemail", "chat", "email"]',
            )
        for name in ("chat_capacity", "email_capacity", "voicemail_capacity"):
            if not 0 <= getattr(self, name) <= 50:
                raise ConfigError(f"{name} is 0 to 50")
        for role in self.mfa_required:
            if role not in ("agent", "supervisor", "admin"):
                raise ConfigError(
                    f"mfa_required: unknown role {role!r}", hint="use agent, supervisor, admin"
                )

    @property
    def effective_database_url(self) -> str:
        """The database vcc uses: ``database_url``, or else ``<data_dir>/vcc.db`` (SQLite)."""
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'vcc.db'}"

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)


_ENV_KEYS: dict[str, tuple[str, type]] = {
    "VCC_DATA_DIR": ("data_dir", Path),
    "VCC_CACHE_DIR": ("cache_dir", Path),
    "VCC_DIALPLAN_DIR": ("dialplan_dir", Path),
    "VCC_INSTANCE": ("instance", str),
    "VCC_DEBIAN_MIRROR": ("debian_mirror", str),
    "VCC_TENANT": ("tenant_file", Path),
    "VCC_DATABASE_URL": ("database_url", str),
    "VCC_API_HOST": ("api_host", str),
    "VCC_API_PORT": ("api_port", int),
    "VCC_MFA_REQUIRED": ("mfa_required", tuple),
    "VCC_TIMEZONE": ("timezone", str),
    "VCC_PBX": ("pbx", str),
    "VCC_SMTP_HOST": ("smtp_host", str),
    "VCC_SMTP_PORT": ("smtp_port", int),
    "VCC_MAIL_FROM": ("mail_from", str),
    "VCC_SUPERVISOR_EMAIL": ("supervisor_email", str),
    "VCC_EMAIL_PORT": ("email_port", int),
    "VCC_EMAIL_HOST": ("email_host", str),
    "VCC_EMAIL_ADDRESS": ("email_address", str),
    "VCC_EMAIL_QUEUE": ("email_queue", str),
    "VCC_CHAT_CAPACITY": ("chat_capacity", int),
    "VCC_EMAIL_CAPACITY": ("email_capacity", int),
    "VCC_VOICEMAIL_CAPACITY": ("voicemail_capacity", int),
    "VCC_CALLS_WITH_OTHER_WORK": ("calls_with_other_work", bool),
    "VCC_CHANNEL_ORDER": ("channel_order", tuple),
}
_ENV_ESL: dict[str, tuple[str, type]] = {
    "VCC_ESL_HOST": ("host", str),
    "VCC_ESL_PORT": ("port", int),
    "VCC_ESL_PASSWORD": ("password", str),
}
_ENV_AMI: dict[str, tuple[str, type]] = {
    "VCC_AMI_HOST": ("host", str),
    "VCC_AMI_PORT": ("port", int),
    "VCC_AMI_USERNAME": ("username", str),
    "VCC_AMI_SECRET_FILE": ("secret_file", Path),
    "VCC_AMI_SECRET": ("secret", str),
}


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read ``path`` (TOML, optional) then apply ``VCC_*`` variables from ``env``."""
    env = os.environ if env is None else env
    raw: dict[str, Any] = {}
    path = path or (Path(env["VCC_CONFIG"]) if "VCC_CONFIG" in env else None)
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    top: dict[str, Any] = {k: v for k, v in raw.items() if k not in ("ports", "ami", "esl")}
    ami: dict[str, Any] = dict(raw.get("ami", {}))
    esl: dict[str, Any] = dict(raw.get("esl", {}))
    for var, (key, _kind) in _ENV_ESL.items():
        if var in env:
            esl[key] = env[var]
    for var, (key, _kind) in _ENV_KEYS.items():
        if var in env:
            top[key] = env[var]
    for var, (key, _kind) in _ENV_AMI.items():
        if var in env:
            ami[key] = env[var]
    try:
        settings = Settings(
            **{k: _coerce(k, v, _ENV_KEYS) for k, v in top.items()},
            ports=PbxPorts(**raw.get("ports", {})),
            ami=AmiSettings(**{k: _coerce(k, v, _ENV_AMI) for k, v in ami.items()}),
            esl=EslSettings(**{k: _coerce(k, v, _ENV_ESL) for k, v in esl.items()}),
        )
    except TypeError as exc:
        raise ConfigError(
            f"unknown setting: {exc}", hint="see README.md, 'Configuration'"
        ) from None
    except InvalidInput as exc:
        raise ConfigError(exc.message, hint=exc.hint) from None
    except ValueError as exc:
        raise ConfigError(f"a setting has the wrong type: {exc}") from None
    try:
        validate.slug(settings.instance, what="instance name")
    except InvalidInput as exc:
        raise ConfigError(exc.message, hint=exc.hint) from None
    return settings


def _coerce(key: str, value: Any, table: Mapping[str, tuple[str, type]]) -> Any:
    if key in ("mfa_required", "channel_order"):  # a TOML list, or "a,b" from the environment
        items = value.split(",") if isinstance(value, str) else value
        return tuple(str(item).strip() for item in items if str(item).strip())
    for name, kind in table.values():
        if name == key and kind is bool and isinstance(value, str):
            if value.strip().lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ConfigError(f"{key} is true or false, not {value[:20]!r}")
            return value.strip().lower() in ("1", "true", "yes")
        if name == key and not isinstance(value, kind):
            return kind(value)
    return value
