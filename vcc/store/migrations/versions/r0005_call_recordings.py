"""Call recording: a queue's ``recording`` policy (always, on_demand, never) and the
recordings of each interaction (``call_recording``) with their paused stretches
(``call_recording_pause``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

Existing queues record nothing (``never``), as before. The CHECK on the new column
needs batch mode on SQLite, which rebuilds ``queue`` as 0004 does (see there).
Downgrading refuses while recordings are on record: they are history that links the
files on disk to their calls.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text

from vcc.store.migrations.columns import big_id, enum
from vcc.store.migrations.versions.r0004_queue_exit_and_handle_time import (
    _refuse_sqlite_foreign_keys,
)

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

POLICIES = ("always", "on_demand", "never")


def upgrade() -> None:
    _refuse_sqlite_foreign_keys()
    with op.batch_alter_table("queue") as batch:
        batch.add_column(
            sa.Column(
                "recording",
                enum("recording_policy", *POLICIES),
                nullable=False,
                server_default="never",
            )
        )
    with op.batch_alter_table("queue") as batch:
        batch.alter_column("recording", server_default=None)
    op.create_table(
        "call_recording",
        sa.Column("id", big_id(), autoincrement=True, nullable=False),
        sa.Column("interaction_id", sa.String(length=36), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=True),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agent.id"], name=op.f("fk_call_recording_agent_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interaction.id"],
            name=op.f("fk_call_recording_interaction_id_interaction"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_recording")),
        sa.UniqueConstraint("path", name=op.f("uq_call_recording_path")),
    )
    op.create_index(op.f("ix_call_recording_agent_id"), "call_recording", ["agent_id"])
    op.create_index(op.f("ix_call_recording_interaction_id"), "call_recording", ["interaction_id"])
    op.create_table(
        "call_recording_pause",
        sa.Column("id", big_id(), autoincrement=True, nullable=False),
        sa.Column("recording_id", big_id(), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["call_recording.id"],
            name=op.f("fk_call_recording_pause_recording_id_call_recording"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_recording_pause")),
    )
    op.create_index(
        op.f("ix_call_recording_pause_recording_id"), "call_recording_pause", ["recording_id"]
    )


def downgrade() -> None:
    kept = op.get_bind().execute(text("SELECT count(*) FROM call_recording")).scalar()
    if kept:
        raise RuntimeError(
            f"cannot downgrade below revision 0005: {kept} call recording(s) are on record "
            "and revision 0004 has no place for them; keep this revision, or delete the "
            "rows (and their files) first"
        )
    _refuse_sqlite_foreign_keys()
    op.drop_table("call_recording_pause")
    op.drop_table("call_recording")
    with op.batch_alter_table("queue") as batch:
        batch.drop_constraint(op.f("ck_queue_recording_policy"), type_="check")
        batch.drop_column("recording")
