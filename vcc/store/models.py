"""The tables: agents, skills, queues, statuses and every interaction, with timestamps.

Statuses and strategies are the core's own enums (``vcc.core``). Relationships
never load on their own (``lazy="raise_on_sql"``): code that needs them says so
with ``selectinload``, so no query hides in an attribute access, which under
asyncio would fail anyway. Enums are stored as their string values (with a CHECK
constraint), the same on SQLite and PostgreSQL; timestamps are UTC and come back
timezone-aware (``UtcDateTime``). The schema itself is created and changed by the
Alembic migrations in ``vcc/store/migrations``, never by ``create_all``.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column, relationship

from vcc.core.access import Role
from vcc.core.agents import Status
from vcc.core.notifications import AudienceKind
from vcc.core.profile import PhoneKind
from vcc.core.queues import RecordingPolicy, Strategy
from vcc.core.wfm.requests import RequestKind, RequestStatus
from vcc.core.wfm.schedule import ActivityKind
from vcc.core.wfm.swaps import SwapStatus
from vcc.store.types import UtcDateTime

# Constraint names are part of the schema that migrations refer to (SQLite can only
# change a constraint by name, through Alembic's batch mode), so none is left to chance.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SLUG_LENGTH = 32  # vcc.validate.slug
EXTENSION_LENGTH = 15  # vcc.validate.extension
SOUND_LENGTH = 255  # vcc.validate.sound: up to four folders of 64
DTMF_KEYS = "0123456789*#"


def utcnow() -> datetime:
    """Now, timezone-aware: the default for ``created_at`` columns."""
    return datetime.now(UTC)


class InteractionKind(enum.StrEnum):
    CALL = "call"
    CHAT = "chat"
    EMAIL = "email"
    VOICEMAIL = "voicemail"


class InteractionOutcome(enum.StrEnum):
    """How an interaction ended, for reporting."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"  # the customer left while waiting
    OVERFLOWED = "overflowed"  # moved to the queue's overflow queue
    TRANSFERRED = "transferred"
    EXITED = "exited"  # the caller pressed the queue's exit key
    REJECTED = "rejected"  # the queue was full, or empty and not joinable
    TIMED_OUT = "timed_out"  # waited max_wait_s and the queue has no overflow queue
    # the PBX lost the call: it restarted or crashed while the call was up or waiting
    LOST = "lost"
    # an agent's own call (click-to-dial, agent-to-agent) that never connected: the
    # other side was busy, did not answer or could not be reached; or the agent did
    # not pick up their own phone
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"


class OfferResult(enum.StrEnum):
    """How one attempt to hand an interaction to an agent ended."""

    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    UNREACHABLE = "unreachable"  # not registered, or the PBX could not reach the phone
    CANCELLED = "cancelled"  # vcc stopped it, or the customer left while it rang


def _values(kind: type[enum.Enum]) -> list[str]:
    return [str(member.value) for member in kind]


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    # Not a native PostgreSQL ENUM type: a VARCHAR with a CHECK reads the same on both
    # backends, and a later value is one constraint change away instead of an ALTER TYPE.
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=SLUG_LENGTH,
        values_callable=_values,
        validate_strings=True,
    )


# SQLite only numbers a primary key by itself if it is exactly INTEGER.
_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}  # noqa: RUF012 (SQLAlchemy's API)


class Agent(Base):
    """Someone who takes interactions; ``id`` is their login."""

    __tablename__ = "agent"

    id: Mapped[str] = mapped_column(String(SLUG_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    extension: Mapped[str] = mapped_column(String(EXTENSION_LENGTH), unique=True)
    # In clear: PJSIP needs it to authenticate the desk phone and the admin to
    # provision it. The database is as secret as the PBX's own config.
    sip_password: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    skills: Mapped[list[AgentSkill]] = relationship(
        back_populates="agent", lazy="raise_on_sql", cascade="all, delete-orphan"
    )


class Skill(Base):
    __tablename__ = "skill"

    id: Mapped[str] = mapped_column(String(SLUG_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class AgentSkill(Base):
    """How good an agent is at a skill: 1 (a little) to 10 (expert)."""

    __tablename__ = "agent_skill"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 10", name="level_range"),)

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[str] = mapped_column(
        ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    level: Mapped[int]

    agent: Mapped[Agent] = relationship(back_populates="skills", lazy="raise_on_sql")
    skill: Mapped[Skill] = relationship(lazy="raise_on_sql")


class Queue(Base):
    """Where interactions wait for an agent; callers reach it by ``extension``.

    The settings of ``vcc.core.queues.QueueConfig``, in whole seconds (``_s``).
    """

    __tablename__ = "queue"
    __table_args__ = (
        CheckConstraint("ring_timeout_s > 0", name="ring_timeout_positive"),
        CheckConstraint("wrap_up_s >= 0", name="wrap_up_not_negative"),
        CheckConstraint("max_wait_s IS NULL OR max_wait_s > 0", name="max_wait_positive"),
        CheckConstraint("max_length IS NULL OR max_length > 0", name="max_length_positive"),
        CheckConstraint(
            "announce_position_every_s IS NULL OR announce_position_every_s >= 5",
            name="announce_every_5s_or_more",
        ),
        CheckConstraint(
            "(periodic_message IS NULL) = (periodic_message_every_s IS NULL)",
            name="periodic_message_with_interval",
        ),
        CheckConstraint(
            "periodic_message_every_s IS NULL OR periodic_message_every_s >= 5",
            name="periodic_every_5s_or_more",
        ),
        CheckConstraint(
            "overflow_queue_id IS NULL OR overflow_message IS NULL", name="overflow_one_way"
        ),
        CheckConstraint(
            "exit_key IS NULL OR exit_key IN ({})".format(", ".join(f"'{k}'" for k in DTMF_KEYS)),
            name="exit_key_dtmf",
        ),
        CheckConstraint("overflow_queue_id <> id", name="overflow_elsewhere"),
        CheckConstraint("default_handle_time_s > 0", name="default_handle_time_positive"),
        CheckConstraint("exit_queue_id IS NULL OR exit_message IS NULL", name="exit_one_way"),
        CheckConstraint("exit_queue_id <> id", name="exit_elsewhere"),
    )

    id: Mapped[str] = mapped_column(String(SLUG_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    extension: Mapped[str] = mapped_column(String(EXTENSION_LENGTH), unique=True)
    moh_class: Mapped[str] = mapped_column(String(SLUG_LENGTH), default="default")
    ring_timeout_s: Mapped[int] = mapped_column(default=15)
    # Past max_wait_s, or when max_length are waiting, a caller overflows: into the
    # overflow queue, or hears the overflow message (a sound) and is let go; with
    # neither, hears the standard "closed" message (vcc.core.queues.QueueConfig).
    max_wait_s: Mapped[int | None]
    overflow_queue_id: Mapped[str | None] = mapped_column(
        ForeignKey("queue.id", ondelete="SET NULL")
    )
    overflow_message: Mapped[str | None] = mapped_column(String(SOUND_LENGTH))
    # …or leaves a message, which waits in this queue (vcc.digital.voicemail)
    overflow_voicemail: Mapped[bool] = mapped_column(default=False, server_default=false())
    max_length: Mapped[int | None]  # waiting interactions; None: no limit
    join_when_empty: Mapped[bool] = mapped_column(default=True)  # no agent logged in
    leave_when_empty: Mapped[bool] = mapped_column(default=False)
    strategy: Mapped[Strategy] = mapped_column(
        _enum(Strategy, "routing_strategy"), default=Strategy.LONGEST_IDLE
    )
    wrap_up_s: Mapped[int] = mapped_column(default=0)
    # A waiting caller who presses exit_key (one DTMF key) leaves for the exit queue, or
    # hears the exit message (a sound) and is let go.
    exit_key: Mapped[str | None] = mapped_column(String(1))
    exit_queue_id: Mapped[str | None] = mapped_column(ForeignKey("queue.id", ondelete="SET NULL"))
    exit_message: Mapped[str | None] = mapped_column(String(SOUND_LENGTH))
    exit_voicemail: Mapped[bool] = mapped_column(default=False, server_default=false())
    announce_position_every_s: Mapped[int | None]  # None: never
    announce_only_when_improved: Mapped[bool] = mapped_column(default=False)
    periodic_message: Mapped[str | None] = mapped_column(String(SOUND_LENGTH))  # a sound
    periodic_message_every_s: Mapped[int | None]
    # What the wait estimate takes a call to last until the queue's calls are measured.
    default_handle_time_s: Mapped[int] = mapped_column(default=180)
    # Whether its calls are recorded: always, when the agent asks, or never.
    recording: Mapped[RecordingPolicy] = mapped_column(
        _enum(RecordingPolicy, "recording_policy"), default=RecordingPolicy.NEVER
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    overflow_queue: Mapped[Queue | None] = relationship(
        remote_side=[id], foreign_keys=[overflow_queue_id], lazy="raise_on_sql"
    )
    skills: Mapped[list[QueueSkill]] = relationship(
        lazy="raise_on_sql", cascade="all, delete-orphan"
    )
    members: Mapped[list[QueueMember]] = relationship(
        lazy="raise_on_sql", cascade="all, delete-orphan"
    )


class QueueSkill(Base):
    """A skill an agent needs, at ``min_level`` or better, to be offered this queue's work."""

    __tablename__ = "queue_skill"
    __table_args__ = (CheckConstraint("min_level BETWEEN 1 AND 10", name="min_level_range"),)

    queue_id: Mapped[str] = mapped_column(
        ForeignKey("queue.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[str] = mapped_column(
        ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    min_level: Mapped[int] = mapped_column(default=1)


class QueueMember(Base):
    """An agent who serves a queue. ``priority``: lower is offered first (0 is the top)."""

    __tablename__ = "queue_member"

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True
    )
    queue_id: Mapped[str] = mapped_column(
        ForeignKey("queue.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    priority: Mapped[int] = mapped_column(default=0)


class StatusCode(Base):
    """A reason code the admin defines for a status, e.g. ``break``/``lunch``.

    Codes are deactivated rather than deleted, so the status log keeps its meaning.
    """

    __tablename__ = "status_code"
    __table_args__ = (UniqueConstraint("status", "code", name="uq_status_code_status_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[Status] = mapped_column(_enum(Status, "agent_status"))
    code: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    label: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)


class StatusPolicy(Base):
    """Per status, whether a reason code must be given. No row: not required."""

    __tablename__ = "status_policy"

    status: Mapped[Status] = mapped_column(_enum(Status, "agent_status"), primary_key=True)
    reason_required: Mapped[bool] = mapped_column(default=False)


class TenantSettings(Base):
    """What the tenant file sets for the whole contact center rather than for one queue,
    agent or status: one row (id 1), written by ``vcc tenant apply``.

    ``max_missed_offers``: offers an agent lets ring out in a row before vcc puts them
    on Break (``vcc.core.agents.StatusRules``; the file's ``[status_rules]``).
    """

    __tablename__ = "tenant_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="one_row"),
        CheckConstraint("max_missed_offers >= 1", name="max_missed_offers_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=1)
    max_missed_offers: Mapped[int] = mapped_column(default=3)
    # Roles an admin requires two-step login of, from the console or API (comma-separated;
    # the config's mfa_required adds to them). Not written by the tenant file.
    mfa_roles: Mapped[str] = mapped_column(String(64), default="", server_default="")


class AgentStatusChange(Base):
    """One change of an agent's status. Append-only: the log analytics and WFM read.

    ``reason_code`` is the code's text rather than a reference to StatusCode: the
    history keeps its meaning when the admin retires a code, and the system has codes
    of its own (``missed-offers`` for the automatic break). ``by`` is the user who
    asked, or ``"system"`` (busy during a call, wrap-up timers).
    """

    __tablename__ = "agent_status_change"
    __table_args__ = (Index("ix_agent_status_change_agent_at", "agent_id", "at"),)

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    # No cascade: deleting an agent must not delete their history.
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id"))
    status: Mapped[Status] = mapped_column(_enum(Status, "agent_status"))
    reason_code: Mapped[str | None] = mapped_column(String(SLUG_LENGTH))
    at: Mapped[datetime]
    by: Mapped[str | None] = mapped_column(String(64))


@event.listens_for(AgentStatusChange, "before_update")
@event.listens_for(AgentStatusChange, "before_delete")
def _append_only(_mapper: Mapper[Any], _connection: Any, change: AgentStatusChange) -> None:
    # History that can be edited is not history: analytics and adherence rely on it.
    # (Through the ORM, that is; SQL run by hand is the admin's responsibility.)
    raise RuntimeError(f"status change {change.id} is history and cannot be changed")


class Interaction(Base):
    """A call, chat, email or voicemail handled by vcc, from arrival to end.

    ``enqueued_at`` is when vcc took it on; ``offered_at`` the first time an agent
    was offered it; ``answered_at`` when an agent took it (``agent_id``); ``ended_at``
    when it was over, with ``outcome``. ``priority``: higher is served first, then
    the longest waiting. ``disposition`` is the transaction code the agent chose.
    """

    __tablename__ = "interaction"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID
    kind: Mapped[InteractionKind] = mapped_column(_enum(InteractionKind, "interaction_kind"))
    # No cascade on the references below: reports must outlive queues and agents.
    queue_id: Mapped[str | None] = mapped_column(ForeignKey("queue.id"), index=True)
    pbx_call_id: Mapped[str | None] = mapped_column(String(64), index=True)
    caller: Mapped[str | None] = mapped_column(String(128))
    priority: Mapped[int] = mapped_column(default=0)
    enqueued_at: Mapped[datetime]
    offered_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agent.id"), index=True)
    outcome: Mapped[InteractionOutcome | None] = mapped_column(
        _enum(InteractionOutcome, "interaction_outcome")
    )
    disposition: Mapped[str | None] = mapped_column(String(SLUG_LENGTH))

    offers: Mapped[list[InteractionOffer]] = relationship(
        back_populates="interaction",
        lazy="raise_on_sql",
        cascade="all, delete-orphan",
        order_by="InteractionOffer.offered_at",
    )


class InteractionOffer(Base):
    """One attempt to hand an interaction to an agent (their phone ringing, say).

    ``id`` is the engine's own offer id when it has one (it also names the PBX
    channel), so the outcome the PBX reports can be matched to this row.
    """

    __tablename__ = "interaction_offer"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interaction.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id"), index=True)
    offered_at: Mapped[datetime]
    result: Mapped[OfferResult | None] = mapped_column(_enum(OfferResult, "offer_result"))
    ended_at: Mapped[datetime | None]

    interaction: Mapped[Interaction] = relationship(back_populates="offers", lazy="raise_on_sql")


class CallRecording(Base):
    """One recording of a call: the file ``path`` (relative to the recordings
    directory, named by vcc.recording from vcc's own ids), of ``agent_id``'s leg, from
    ``started_at`` until ``stopped_at`` (None: still recording, or the controller
    stopped before it heard the end). Pauses are the stretches of silence in it.
    """

    __tablename__ = "call_recording"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interaction.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agent.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), unique=True)
    started_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]

    pauses: Mapped[list[CallRecordingPause]] = relationship(
        lazy="raise_on_sql",
        cascade="all, delete-orphan",
        order_by="CallRecordingPause.paused_at",
    )


class CallRecordingPause(Base):
    """A stretch of a recording written as silence (say, card details read out)."""

    __tablename__ = "call_recording_pause"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        ForeignKey("call_recording.id", ondelete="CASCADE"), index=True
    )
    paused_at: Mapped[datetime]
    resumed_at: Mapped[datetime | None]


class AgentPhone(Base):
    """Where an agent is rung, as they saved it in their profile (vcc.core.profile): an
    extension, a number through the trunk or a SIP address; ``verified_at`` is when
    vcc called it and the agent typed back the code (None: their own extension)."""

    __tablename__ = "agent_phone"

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[PhoneKind] = mapped_column(_enum(PhoneKind, "phone_kind"))
    value: Mapped[str] = mapped_column(String(200))
    verified_at: Mapped[datetime | None]
    saved_at: Mapped[datetime]


class Notification(Base):
    """A supervisor's message (vcc.core.notifications) to an agent, a team (a queue's
    agents) or everyone; ``sender`` is the user who sent it. Its recipients, fixed
    when it is sent, each have a receipt."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    sender: Mapped[str] = mapped_column(String(64))
    audience: Mapped[AudienceKind] = mapped_column(_enum(AudienceKind, "audience_kind"))
    target: Mapped[str | None] = mapped_column(String(SLUG_LENGTH))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(String(1000))
    sent_at: Mapped[datetime]


class NotificationReceipt(Base):
    """One agent's copy of a notification: unread until ``read_at``. Deleting it (an
    agent clearing what they read) deletes the row; the notification stays."""

    __tablename__ = "notification_receipt"
    __table_args__ = (Index("ix_notification_receipt_agent_read", "agent_id", "read_at"),)

    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True
    )
    read_at: Mapped[datetime | None]

    notification: Mapped[Notification] = relationship(lazy="raise_on_sql")


class User(Base):
    """Someone who logs in to the console or the API (vcc.auth). ``password_hash`` is
    None until the user activates the account with the code a supervisor gave them
    (kept only as a hash, ``activation_hash``, until ``activation_expires_at``).
    ``totp_secret``: MFA is on; ``totp_last_step``: the last code's time step, so a
    code works once. ``failed_logins`` in a row lock the account until ``locked_until``.
    """

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    activation_hash: Mapped[str | None] = mapped_column(String(64))
    activation_expires_at: Mapped[datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    email: Mapped[str | None] = mapped_column(String(254))  # copies of WFM notifications
    # A TOTP secret being set up: in force once a code from it is confirmed (kept here,
    # not in memory, so a restart or another vcc process can confirm it).
    totp_pending: Mapped[str | None] = mapped_column(String(64))


class UserSession(Base):
    """A logged-in session: only the token's SHA-256 is kept (a stolen database holds
    no usable token). It ends after an hour without use (vcc.core.access)."""

    __tablename__ = "user_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class UserFavourite(Base):
    """An agent, queue or number a user pinned in the console's Status tab."""

    __tablename__ = "user_favourite"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # agent, queue, number
    target: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserRecent(Base):
    """Whom a user last called, transferred or consulted (the newest few are kept)."""

    __tablename__ = "user_recent"
    __table_args__ = (Index("ix_user_recent_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]


class CustomRecording(Base):
    """A recording an agent made by phone or uploaded ("Mijn opname"): vcc names the
    file (``id``.wav in the prompts folder, 8 kHz mono); ``title`` is the user's."""

    __tablename__ = "custom_recording"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # p-<12 hex digits>
    owner_agent_id: Mapped[str | None] = mapped_column(
        ForeignKey("agent.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(80))
    seconds: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))  # phone, upload
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- workforce management (vcc.wfm) -----------------------------------------------------
# Schedule times are wall-clock times in the contact center's zone (``LocalTime``):
# a shift from 09:00 to 17:00 stays that across a change to summer time.
LocalTime = DateTime(timezone=False)


class WfmActivity(Base):
    """An activity code a schedule is made of (work, break, training, vacation…)."""

    __tablename__ = "wfm_activity"

    code: Mapped[str] = mapped_column(String(SLUG_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[ActivityKind] = mapped_column(_enum(ActivityKind, "activity_kind"))


class WfmRoster(Base):
    """The agents WFM knows, with their queues and skills as of the last nightly sync:
    a new agent's schedule and skills appear after it (as in the NICE app)."""

    __tablename__ = "wfm_roster"

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True
    )
    queues: Mapped[str] = mapped_column(String(1000))  # comma-separated queue ids
    skills: Mapped[str] = mapped_column(String(1000))  # skill:level, comma-separated
    synced_at: Mapped[datetime]


class WfmDay(Base):
    """An agent's day in the schedule: published or not, with the schedule's note."""

    __tablename__ = "wfm_day"

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    published: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(500), default="")


class WfmBlock(Base):
    """One activity of an agent's day."""

    __tablename__ = "wfm_block"
    __table_args__ = (Index("ix_wfm_block_agent_day", "agent_id", "day"),)

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    code: Mapped[str] = mapped_column(ForeignKey("wfm_activity.code"))
    start: Mapped[datetime] = mapped_column(LocalTime)
    end: Mapped[datetime] = mapped_column(LocalTime)
    note: Mapped[str] = mapped_column(String(500), default="")


class WfmRequest(Base):
    """A schedule change or time off an agent asked for, and what became of it.
    ``replaced``: the activities an approval took away (JSON), so cancelling approved
    time off restores the schedule as it was."""

    __tablename__ = "wfm_request"
    __table_args__ = (Index("ix_wfm_request_agent_start", "agent_id", "start"),)

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    kind: Mapped[RequestKind] = mapped_column(_enum(RequestKind, "wfm_request_kind"))
    code: Mapped[str] = mapped_column(ForeignKey("wfm_activity.code"))
    start: Mapped[datetime] = mapped_column(LocalTime)
    end: Mapped[datetime] = mapped_column(LocalTime)
    hours: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus, "wfm_request_status"))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    replaced: Mapped[str] = mapped_column(Text, default="[]")


class WfmBalance(Base):
    """Hours of a time-off activity an agent earned (used and planned are counted
    from the approved requests)."""

    __tablename__ = "wfm_balance"

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(ForeignKey("wfm_activity.code"), primary_key=True)
    earned: Mapped[float] = mapped_column(Float)


class WfmSwap(Base):
    """A shift offered for a swap: open until accepted, withdrawn or ``expires_at``."""

    __tablename__ = "wfm_swap"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[SwapStatus] = mapped_column(_enum(SwapStatus, "wfm_swap_status"))
    expires_at: Mapped[datetime] = mapped_column(LocalTime)
    accepted_by: Mapped[str | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class WfmSwapDecline(Base):
    """An agent said "Geen belangstelling" to an offer: it is no longer shown to them."""

    __tablename__ = "wfm_swap_decline"

    swap_id: Mapped[int] = mapped_column(
        ForeignKey("wfm_swap.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True
    )


# -- omnichannel: CRM, chat, email, voicemail, help (vcc.digital) -------------------------
# A chat, email or voicemail is an ``interaction`` like a call (kind, queue, agent,
# outcome); these tables hold what only it has. Files (attachments, voicemail audio)
# are stored under names vcc generates, never under a name a customer sent.
class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ChatSender(enum.StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


class MailDirection(enum.StrEnum):
    IN = "in"
    OUT = "out"


class HelpKind(enum.StrEnum):
    FAQ = "faq"  # a short answer an agent inserts into a chat or email
    ARTICLE = "article"  # a knowledge-base article an agent reads


class Customer(Base):
    """Someone the contact center serves, found again by phone number or email."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    company: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrmCase(Base):
    """A customer's question or problem, open until an agent closes it; an email
    accepted by an agent opens one by itself (``interaction_id``)."""

    __tablename__ = "crm_case"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="SET NULL"), index=True
    )
    interaction_id: Mapped[str | None] = mapped_column(
        ForeignKey("interaction.id", ondelete="SET NULL")
    )
    subject: Mapped[str] = mapped_column(String(300))
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus, "case_status"))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class CrmTask(Base):
    """Something to do for a customer or a case (call back, send a form), by when."""

    __tablename__ = "crm_task"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_case.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    due: Mapped[date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(default=False)
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatSession(Base):
    """A customer's web chat: who they said they are, and the hash of the token their
    browser holds (the token itself is never stored)."""

    __tablename__ = "chat_session"

    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))


class ChatMessage(Base):
    """One line of a chat's transcript."""

    __tablename__ = "chat_message"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interaction.id", ondelete="CASCADE"), index=True
    )
    sender: Mapped[ChatSender] = mapped_column(_enum(ChatSender, "chat_sender"))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class MailMessage(Base):
    """An email received or sent; ``message_id`` and ``refs`` thread the replies."""

    __tablename__ = "mail_message"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    interaction_id: Mapped[str | None] = mapped_column(
        ForeignKey("interaction.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_case.id", ondelete="SET NULL"), index=True
    )
    direction: Mapped[MailDirection] = mapped_column(_enum(MailDirection, "mail_direction"))
    message_id: Mapped[str] = mapped_column(String(255), index=True)
    in_reply_to: Mapped[str] = mapped_column(String(255), default="")
    refs: Mapped[str] = mapped_column(Text, default="")
    sender: Mapped[str] = mapped_column(String(254))
    recipients: Mapped[str] = mapped_column(String(1000))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    at: Mapped[datetime]


class MailAttachment(Base):
    """A file that came with an email: ``stored_as`` is vcc's name for it on disk;
    ``filename`` the sender's, cleaned, for display only."""

    __tablename__ = "mail_attachment"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    mail_id: Mapped[int] = mapped_column(
        ForeignKey("mail_message.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(100))
    stored_as: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)


class Voicemail(Base):
    """A message a caller left: ``file`` is vcc's name for the recording."""

    __tablename__ = "voicemail"

    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True
    )
    file: Mapped[str] = mapped_column(String(64))
    caller: Mapped[str] = mapped_column(String(32))
    seconds: Mapped[float] = mapped_column(Float)


class HelpArticle(Base):
    """An FAQ answer or a knowledge-base article, managed by admins."""

    __tablename__ = "help_article"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    kind: Mapped[HelpKind] = mapped_column(_enum(HelpKind, "help_kind"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgentMessage(Base):
    """A chat line from one agent to another (the console's agent-to-agent chat)."""

    __tablename__ = "agent_message"
    __table_args__ = (Index("ix_agent_message_to_at", "to_agent", "at"),)

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    from_agent: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    to_agent: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    read_at: Mapped[datetime | None]
