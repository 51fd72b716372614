"""Custom recordings ("Mijn opname"): who made each, its title and length.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24

A new table; downgrading drops it (the files stay in the data directory).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "custom_recording",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("owner_agent_id", sa.String(length=32), nullable=True),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_agent_id"],
            ["agent.id"],
            name=op.f("fk_custom_recording_owner_agent_id_agent"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_recording")),
    )
    op.create_index(
        op.f("ix_custom_recording_owner_agent_id"), "custom_recording", ["owner_agent_id"]
    )


def downgrade() -> None:
    op.drop_table("custom_recording")
