"""Agents' desk phones as saved in their profile (``agent_phone``): an extension, a
number or a SIP address, and when it was verified.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24

A new table only; an agent without a row is rung at their own extension, as before.
Downgrading drops it: agents are rung at their extensions again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vcc.store.migrations.columns import enum

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_phone",
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column(
            "kind",
            enum("phone_kind", "extension", "number", "sip_uri"),
            nullable=False,
        ),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agent.id"],
            name=op.f("fk_agent_phone_agent_id_agent"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_agent_phone")),
    )


def downgrade() -> None:
    op.drop_table("agent_phone")
