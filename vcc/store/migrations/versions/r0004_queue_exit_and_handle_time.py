"""What the tenant file says that the database did not keep yet: a queue's exit
destination (``exit_queue_id`` or ``exit_message``, beside the ``exit_key`` it already
had), its ``default_handle_time_s``, and the contact center's ``max_missed_offers``
(one row of ``tenant_settings``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

Existing queues get 180 s, the handle time the router assumes when the file gives
none, through a server default that is dropped again afterwards (the models keep
their defaults in Python, as every other column does). SQLite cannot add a foreign
key or a CHECK to a table: batch mode rebuilds ``queue`` as 0002 rebuilds
``interaction`` (see there), which needs SQLite's foreign keys off.

Downgrading drops these columns and the table: they are configuration, not history,
and ``vcc tenant apply`` writes them again after an upgrade.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLE = "queue"
DEFAULT_HANDLE_TIME_S = 180  # vcc.core.queues.QueueConfig's default


def upgrade() -> None:
    _refuse_sqlite_foreign_keys()
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(
            sa.Column(
                "default_handle_time_s",
                sa.Integer(),
                nullable=False,
                server_default=str(DEFAULT_HANDLE_TIME_S),
            )
        )
        batch.add_column(sa.Column("exit_queue_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("exit_message", sa.String(length=255), nullable=True))
        batch.create_foreign_key(
            op.f("fk_queue_exit_queue_id_queue"),
            TABLE,
            ["exit_queue_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_check_constraint(
            op.f("ck_queue_default_handle_time_positive"), "default_handle_time_s > 0"
        )
        batch.create_check_constraint(
            op.f("ck_queue_exit_one_way"), "exit_queue_id IS NULL OR exit_message IS NULL"
        )
        batch.create_check_constraint(op.f("ck_queue_exit_elsewhere"), "exit_queue_id <> id")
    with op.batch_alter_table(TABLE) as batch:
        batch.alter_column("default_handle_time_s", server_default=None)
    op.create_table(
        "tenant_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("max_missed_offers", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_tenant_settings_one_row")),
        sa.CheckConstraint(
            "max_missed_offers >= 1", name=op.f("ck_tenant_settings_max_missed_offers_positive")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_settings")),
    )


def downgrade() -> None:
    _refuse_sqlite_foreign_keys()
    op.drop_table("tenant_settings")
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(op.f("ck_queue_exit_elsewhere"), type_="check")
        batch.drop_constraint(op.f("ck_queue_exit_one_way"), type_="check")
        batch.drop_constraint(op.f("ck_queue_default_handle_time_positive"), type_="check")
        batch.drop_constraint(op.f("fk_queue_exit_queue_id_queue"), type_="foreignkey")
        batch.drop_column("exit_message")
        batch.drop_column("exit_queue_id")
        batch.drop_column("default_handle_time_s")


def _refuse_sqlite_foreign_keys() -> None:
    # Rebuilding ``queue`` drops the old copy, which with foreign keys on would delete
    # every queue's members and skills (ON DELETE CASCADE) or fail on its interactions.
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "rebuilding the queue table with SQLite foreign keys on would delete every "
            "queue's members and skills; migrate with 'vcc db upgrade' (vcc.store.migrate), "
            "which turns them off"
        )
