"""Omnichannel: customers, cases and tasks (CRM), chat sessions and transcripts,
emails with their attachments, voicemails, FAQ and knowledge-base articles, and
agent-to-agent chat; a queue's overflow or exit into voicemail.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25

New tables and two columns of ``queue`` (false for every queue there is).
Downgrading drops them and everything in them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vcc.store.migrations.columns import big_id, enum
from vcc.store.migrations.versions.r0004_queue_exit_and_handle_time import (
    _refuse_sqlite_foreign_keys,
)

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    name = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{name}"), ondelete=ondelete
    )


def _id() -> sa.Column[int]:
    return sa.Column("id", big_id(), autoincrement=True, nullable=False)


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*(columns or ("id",)), name=op.f(f"pk_{table}"))


def _index(table: str, column: str) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    for column in ("overflow_voicemail", "exit_voicemail"):
        op.add_column(
            "queue", sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "customer",
        _id(),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("company", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _pk("customer"),
    )
    _index("customer", "phone")
    _index("customer", "email")
    op.create_table(
        "crm_case",
        _id(),
        sa.Column("customer_id", big_id(), nullable=True),
        sa.Column("interaction_id", sa.String(length=36), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("status", enum("case_status", "open", "closed"), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        _fk("crm_case", "customer_id", "customer.id", "SET NULL"),
        _fk("crm_case", "interaction_id", "interaction.id", "SET NULL"),
        _fk("crm_case", "agent_id", "agent.id", "SET NULL"),
        _pk("crm_case"),
    )
    _index("crm_case", "customer_id")
    op.create_table(
        "crm_task",
        _id(),
        sa.Column("customer_id", big_id(), nullable=True),
        sa.Column("case_id", big_id(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("crm_task", "customer_id", "customer.id", "CASCADE"),
        _fk("crm_task", "case_id", "crm_case.id", "CASCADE"),
        _fk("crm_task", "agent_id", "agent.id", "SET NULL"),
        _pk("crm_task"),
    )
    _index("crm_task", "customer_id")
    _index("crm_task", "case_id")
    op.create_table(
        "chat_session",
        sa.Column("interaction_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("customer_id", big_id(), nullable=True),
        _fk("chat_session", "interaction_id", "interaction.id", "CASCADE"),
        _fk("chat_session", "customer_id", "customer.id", "SET NULL"),
        _pk("chat_session", "interaction_id"),
    )
    op.create_table(
        "chat_message",
        _id(),
        sa.Column("interaction_id", sa.String(length=36), nullable=False),
        sa.Column("sender", enum("chat_sender", "customer", "agent", "system"), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _fk("chat_message", "interaction_id", "interaction.id", "CASCADE"),
        _fk("chat_message", "agent_id", "agent.id", "SET NULL"),
        _pk("chat_message"),
    )
    _index("chat_message", "interaction_id")
    op.create_table(
        "mail_message",
        _id(),
        sa.Column("interaction_id", sa.String(length=36), nullable=True),
        sa.Column("case_id", big_id(), nullable=True),
        sa.Column("direction", enum("mail_direction", "in", "out"), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("in_reply_to", sa.String(length=255), nullable=False),
        sa.Column("refs", sa.Text(), nullable=False),
        sa.Column("sender", sa.String(length=254), nullable=False),
        sa.Column("recipients", sa.String(length=1000), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _fk("mail_message", "interaction_id", "interaction.id", "CASCADE"),
        _fk("mail_message", "case_id", "crm_case.id", "SET NULL"),
        _fk("mail_message", "agent_id", "agent.id", "SET NULL"),
        _pk("mail_message"),
    )
    _index("mail_message", "interaction_id")
    _index("mail_message", "case_id")
    _index("mail_message", "message_id")
    op.create_table(
        "mail_attachment",
        _id(),
        sa.Column("mail_id", big_id(), nullable=False),
        sa.Column("filename", sa.String(length=100), nullable=False),
        sa.Column("stored_as", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        _fk("mail_attachment", "mail_id", "mail_message.id", "CASCADE"),
        _pk("mail_attachment"),
    )
    _index("mail_attachment", "mail_id")
    op.create_table(
        "voicemail",
        sa.Column("interaction_id", sa.String(length=36), nullable=False),
        sa.Column("file", sa.String(length=64), nullable=False),
        sa.Column("caller", sa.String(length=32), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        _fk("voicemail", "interaction_id", "interaction.id", "CASCADE"),
        _pk("voicemail", "interaction_id"),
    )
    op.create_table(
        "help_article",
        _id(),
        sa.Column("kind", enum("help_kind", "faq", "article"), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.String(length=500), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _pk("help_article"),
    )
    op.create_table(
        "agent_message",
        _id(),
        sa.Column("from_agent", sa.String(length=32), nullable=False),
        sa.Column("to_agent", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        _fk("agent_message", "from_agent", "agent.id", "CASCADE"),
        _fk("agent_message", "to_agent", "agent.id", "CASCADE"),
        _pk("agent_message"),
    )
    op.create_index("ix_agent_message_to_at", "agent_message", ["to_agent", "at"])


def downgrade() -> None:
    for table in ("agent_message", "help_article", "voicemail", "mail_attachment",
                  "mail_message", "chat_message", "chat_session", "crm_task", "crm_case",
                  "customer"):  # fmt: skip
        op.drop_table(table)
    _refuse_sqlite_foreign_keys()
    with op.batch_alter_table("queue") as batch:
        batch.drop_column("exit_voicemail")
        batch.drop_column("overflow_voicemail")
