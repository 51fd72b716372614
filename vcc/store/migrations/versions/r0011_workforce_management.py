"""Workforce management: activities, the nightly roster, schedules (days and their
activities), requests, balances, shift swaps; users' email addresses, the TOTP
secret a user is setting up (it was kept in memory), and the roles an admin requires
two-step login of (tenant_settings.mfa_roles).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25

New tables and one nullable column. The default activity codes are added (an admin
may add more). Downgrading drops them all: schedules and requests are lost, so the
downgrade refuses while any schedule or request exists.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vcc.store.migrations.columns import big_id, enum

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ACTIVITIES = [  # code, name, kind (vcc.core.wfm.schedule.DEFAULT_ACTIVITIES then)
    ("work", "Werk", "work"),
    ("break", "Pauze", "break"),
    ("lunch", "Lunch", "break"),
    ("training", "Training", "offline"),
    ("meeting", "Overleg", "offline"),
    ("vacation", "Vakantie", "time_off"),
    ("personal", "Persoonlijk verlof", "time_off"),
    ("sick", "Ziek", "time_off"),
]


def _agent_fk(
    table: str, column: str = "agent_id", ondelete: str = "CASCADE"
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["agent.id"], name=op.f(f"fk_{table}_{column}_agent"), ondelete=ondelete
    )


def _activity_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["code"], ["wfm_activity.code"], name=op.f(f"fk_{table}_code_wfm_activity")
    )


def upgrade() -> None:
    op.add_column("app_user", sa.Column("email", sa.String(length=254), nullable=True))
    op.add_column("app_user", sa.Column("totp_pending", sa.String(length=64), nullable=True))
    op.add_column(
        "tenant_settings",
        sa.Column("mfa_roles", sa.String(length=64), server_default="", nullable=False),
    )
    activity = op.create_table(
        "wfm_activity",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "kind", enum("activity_kind", "work", "offline", "break", "time_off"), nullable=False
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_wfm_activity")),
    )
    op.bulk_insert(activity, [{"code": c, "name": n, "kind": k} for c, n, k in ACTIVITIES])
    op.create_table(
        "wfm_roster",
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("queues", sa.String(length=1000), nullable=False),
        sa.Column("skills", sa.String(length=1000), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        _agent_fk("wfm_roster"),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_wfm_roster")),
    )
    op.create_table(
        "wfm_day",
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        _agent_fk("wfm_day"),
        sa.PrimaryKeyConstraint("agent_id", "day", name=op.f("pk_wfm_day")),
    )
    op.create_table(
        "wfm_block",
        sa.Column("id", big_id(), autoincrement=True, nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("start", sa.DateTime(timezone=False), nullable=False),
        sa.Column("end", sa.DateTime(timezone=False), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        _agent_fk("wfm_block"),
        _activity_fk("wfm_block"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wfm_block")),
    )
    op.create_index("ix_wfm_block_agent_day", "wfm_block", ["agent_id", "day"])
    op.create_table(
        "wfm_request",
        sa.Column("id", big_id(), autoincrement=True, nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column(
            "kind",
            enum("wfm_request_kind", "change", "full_day", "partial_day", "intervals", "absence"),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("start", sa.DateTime(timezone=False), nullable=False),
        sa.Column("end", sa.DateTime(timezone=False), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column(
            "status",
            enum("wfm_request_status", "pending", "approved", "declined", "cancelled"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("replaced", sa.Text(), nullable=False),
        _agent_fk("wfm_request"),
        _activity_fk("wfm_request"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wfm_request")),
    )
    op.create_index("ix_wfm_request_agent_start", "wfm_request", ["agent_id", "start"])
    op.create_table(
        "wfm_balance",
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("earned", sa.Float(), nullable=False),
        _agent_fk("wfm_balance"),
        _activity_fk("wfm_balance"),
        sa.PrimaryKeyConstraint("agent_id", "code", name=op.f("pk_wfm_balance")),
    )
    op.create_table(
        "wfm_swap",
        sa.Column("id", big_id(), autoincrement=True, nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "status", enum("wfm_swap_status", "open", "accepted", "withdrawn"), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("accepted_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _agent_fk("wfm_swap"),
        _agent_fk("wfm_swap", "accepted_by", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wfm_swap")),
    )
    op.create_table(
        "wfm_swap_decline",
        sa.Column("swap_id", big_id(), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["swap_id"],
            ["wfm_swap.id"],
            name=op.f("fk_wfm_swap_decline_swap_id_wfm_swap"),
            ondelete="CASCADE",
        ),
        _agent_fk("wfm_swap_decline"),
        sa.PrimaryKeyConstraint("swap_id", "agent_id", name=op.f("pk_wfm_swap_decline")),
    )


def downgrade() -> None:
    bind = op.get_bind()
    for table in ("wfm_block", "wfm_request"):
        if bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None:  # noqa: S608
            raise RuntimeError(
                f"{table} has rows: downgrading below 0011 would lose schedules and requests"
            )
    for table in ("wfm_swap_decline", "wfm_swap", "wfm_balance", "wfm_request", "wfm_block",
                  "wfm_day", "wfm_roster", "wfm_activity"):  # fmt: skip
        op.drop_table(table)
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("email")
        batch.drop_column("totp_pending")
    with op.batch_alter_table("tenant_settings") as batch:
        batch.drop_column("mfa_roles")
