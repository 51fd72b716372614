"""Users' favourites (agents, queues, numbers pinned in the Status tab) and recents
(whom they last called, transferred or consulted).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24

New tables only; downgrading drops them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vcc.store.migrations.columns import big_id

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_favourite",
        sa.Column("user_id", big_id(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_user_favourite_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", "target", name=op.f("pk_user_favourite")),
    )
    op.create_table(
        "user_recent",
        sa.Column("id", big_id(), autoincrement=True, nullable=False),
        sa.Column("user_id", big_id(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_user_recent_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_recent")),
    )
    op.create_index("ix_user_recent_user_at", "user_recent", ["user_id", "at"])


def downgrade() -> None:
    op.drop_table("user_recent")
    op.drop_table("user_favourite")
