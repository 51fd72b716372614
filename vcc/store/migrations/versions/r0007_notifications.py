"""Supervisor notifications (``notification``) and each recipient's copy of one
(``notification_receipt``: read or not).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

New tables only. Downgrading drops them, and the messages with them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vcc.store.migrations.columns import big_id, enum

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", big_id(), autoincrement=True, nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column(
            "audience",
            enum("audience_kind", "agent", "team", "everyone"),
            nullable=False,
        ),
        sa.Column("target", sa.String(length=32), nullable=True),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.String(length=1000), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_table(
        "notification_receipt",
        sa.Column("notification_id", big_id(), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agent.id"],
            name=op.f("fk_notification_receipt_agent_id_agent"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notification.id"],
            name=op.f("fk_notification_receipt_notification_id_notification"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "notification_id", "agent_id", name=op.f("pk_notification_receipt")
        ),
    )
    op.create_index(
        "ix_notification_receipt_agent_read",
        "notification_receipt",
        ["agent_id", "read_at"],
    )


def downgrade() -> None:
    op.drop_table("notification_receipt")
    op.drop_table("notification")
