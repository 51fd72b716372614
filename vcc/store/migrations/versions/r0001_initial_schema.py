"""The first schema: agents, skills, queues, status codes, the status log, interactions.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Enums are VARCHARs with a CHECK (named by the metadata's naming convention:
# ck_<table>_<enum name>), the same on SQLite and PostgreSQL.
AGENT_STATUSES = ("available", "busy", "wrap_up", "working_offline", "break", "logged_out")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "agent",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("extension", sa.String(length=15), nullable=False),
        sa.Column("sip_password", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent")),
        sa.UniqueConstraint("extension", name=op.f("uq_agent_extension")),
    )
    op.create_table(
        "queue",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("extension", sa.String(length=15), nullable=False),
        sa.Column("moh_class", sa.String(length=32), nullable=False),
        sa.Column("ring_timeout_s", sa.Integer(), nullable=False),
        sa.Column("max_wait_s", sa.Integer(), nullable=True),
        sa.Column("overflow_queue_id", sa.String(length=32), nullable=True),
        sa.Column("overflow_message", sa.String(length=255), nullable=True),
        sa.Column("max_length", sa.Integer(), nullable=True),
        sa.Column("join_when_empty", sa.Boolean(), nullable=False),
        sa.Column("leave_when_empty", sa.Boolean(), nullable=False),
        sa.Column(
            "strategy",
            _enum("routing_strategy", "longest_idle", "round_robin", "fewest_calls", "best_skill"),
            nullable=False,
        ),
        sa.Column("wrap_up_s", sa.Integer(), nullable=False),
        sa.Column("exit_key", sa.String(length=1), nullable=True),
        sa.Column("announce_position_every_s", sa.Integer(), nullable=True),
        sa.Column("announce_only_when_improved", sa.Boolean(), nullable=False),
        sa.Column("periodic_message", sa.String(length=255), nullable=True),
        sa.Column("periodic_message_every_s", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "exit_key IS NULL OR exit_key IN "
            "('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#')",
            name=op.f("ck_queue_exit_key_dtmf"),
        ),
        sa.CheckConstraint(
            "announce_position_every_s IS NULL OR announce_position_every_s >= 5",
            name=op.f("ck_queue_announce_every_5s_or_more"),
        ),
        sa.CheckConstraint(
            "(periodic_message IS NULL) = (periodic_message_every_s IS NULL)",
            name=op.f("ck_queue_periodic_message_with_interval"),
        ),
        sa.CheckConstraint(
            "periodic_message_every_s IS NULL OR periodic_message_every_s >= 5",
            name=op.f("ck_queue_periodic_every_5s_or_more"),
        ),
        sa.CheckConstraint(
            "overflow_queue_id IS NULL OR overflow_message IS NULL",
            name=op.f("ck_queue_overflow_one_way"),
        ),
        sa.CheckConstraint(
            "max_length IS NULL OR max_length > 0", name=op.f("ck_queue_max_length_positive")
        ),
        sa.CheckConstraint(
            "max_wait_s IS NULL OR max_wait_s > 0", name=op.f("ck_queue_max_wait_positive")
        ),
        sa.CheckConstraint("overflow_queue_id <> id", name=op.f("ck_queue_overflow_elsewhere")),
        sa.CheckConstraint("ring_timeout_s > 0", name=op.f("ck_queue_ring_timeout_positive")),
        sa.CheckConstraint("wrap_up_s >= 0", name=op.f("ck_queue_wrap_up_not_negative")),
        sa.ForeignKeyConstraint(
            ["overflow_queue_id"],
            ["queue.id"],
            name=op.f("fk_queue_overflow_queue_id_queue"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue")),
        sa.UniqueConstraint("extension", name=op.f("uq_queue_extension")),
    )
    op.create_table(
        "skill",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill")),
    )
    op.create_table(
        "status_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", _enum("agent_status", *AGENT_STATUSES), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_code")),
        sa.UniqueConstraint("status", "code", name=op.f("uq_status_code_status_code")),
    )
    op.create_table(
        "status_policy",
        sa.Column("status", _enum("agent_status", *AGENT_STATUSES), nullable=False),
        sa.Column("reason_required", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("status", name=op.f("pk_status_policy")),
    )
    op.create_table(
        "agent_skill",
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("skill_id", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 10", name=op.f("ck_agent_skill_level_range")),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agent.id"],
            name=op.f("fk_agent_skill_agent_id_agent"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skill.id"],
            name=op.f("fk_agent_skill_skill_id_skill"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", "skill_id", name=op.f("pk_agent_skill")),
    )
    op.create_index(op.f("ix_agent_skill_skill_id"), "agent_skill", ["skill_id"])
    op.create_table(
        "agent_status_change",
        sa.Column("id", _big_id(), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("status", _enum("agent_status", *AGENT_STATUSES), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agent.id"], name=op.f("fk_agent_status_change_agent_id_agent")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_status_change")),
    )
    op.create_index(
        op.f("ix_agent_status_change_agent_at"), "agent_status_change", ["agent_id", "at"]
    )
    op.create_table(
        "interaction",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(
            "kind", _enum("interaction_kind", "call", "chat", "email", "voicemail"), nullable=False
        ),
        sa.Column("queue_id", sa.String(length=32), nullable=True),
        sa.Column("pbx_call_id", sa.String(length=64), nullable=True),
        sa.Column("caller", sa.String(length=128), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agent_id", sa.String(length=32), nullable=True),
        sa.Column(
            "outcome",
            _enum(
                "interaction_outcome",
                "answered",
                "abandoned",
                "overflowed",
                "transferred",
                "exited",
                "rejected",
                "timed_out",
            ),
            nullable=True,
        ),
        sa.Column("disposition", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agent.id"], name=op.f("fk_interaction_agent_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_interaction_queue_id_queue")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interaction")),
    )
    op.create_index(op.f("ix_interaction_agent_id"), "interaction", ["agent_id"])
    op.create_index(op.f("ix_interaction_pbx_call_id"), "interaction", ["pbx_call_id"])
    op.create_index(op.f("ix_interaction_queue_id"), "interaction", ["queue_id"])
    op.create_table(
        "queue_member",
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("queue_id", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agent.id"],
            name=op.f("fk_queue_member_agent_id_agent"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"],
            ["queue.id"],
            name=op.f("fk_queue_member_queue_id_queue"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", "queue_id", name=op.f("pk_queue_member")),
    )
    op.create_index(op.f("ix_queue_member_queue_id"), "queue_member", ["queue_id"])
    op.create_table(
        "queue_skill",
        sa.Column("queue_id", sa.String(length=32), nullable=False),
        sa.Column("skill_id", sa.String(length=32), nullable=False),
        sa.Column("min_level", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "min_level BETWEEN 1 AND 10", name=op.f("ck_queue_skill_min_level_range")
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"],
            ["queue.id"],
            name=op.f("fk_queue_skill_queue_id_queue"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skill.id"],
            name=op.f("fk_queue_skill_skill_id_skill"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("queue_id", "skill_id", name=op.f("pk_queue_skill")),
    )
    op.create_index(op.f("ix_queue_skill_skill_id"), "queue_skill", ["skill_id"])
    op.create_table(
        "interaction_offer",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("interaction_id", sa.String(length=36), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "result",
            _enum("offer_result", "answered", "no_answer", "busy", "unreachable", "cancelled"),
            nullable=True,
        ),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agent.id"], name=op.f("fk_interaction_offer_agent_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interaction.id"],
            name=op.f("fk_interaction_offer_interaction_id_interaction"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interaction_offer")),
    )
    op.create_index(op.f("ix_interaction_offer_agent_id"), "interaction_offer", ["agent_id"])
    op.create_index(
        op.f("ix_interaction_offer_interaction_id"), "interaction_offer", ["interaction_id"]
    )


def downgrade() -> None:
    # Children first; a table's indexes go with it.
    for table in (
        "interaction_offer",
        "queue_skill",
        "queue_member",
        "interaction",
        "agent_status_change",
        "agent_skill",
        "status_policy",
        "status_code",
        "skill",
        "queue",
        "agent",
    ):
        op.drop_table(table)
