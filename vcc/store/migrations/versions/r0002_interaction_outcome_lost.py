"""A new interaction outcome, ``lost``: the PBX restarted or crashed while the call was up.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

The outcome is a VARCHAR with a named CHECK (ck_interaction_interaction_outcome); a new
value means a wider CHECK. PostgreSQL drops the constraint and adds the new one.
SQLite cannot alter a constraint: batch mode rebuilds the table (create a copy with
the new CHECK, copy the rows, drop the old table, rename the copy, recreate the
indexes). The copy's definition is reflected from the database, named CHECK
constraints included (SQLAlchemy 2 parses them out of SQLite's CREATE TABLE), so the
kind's CHECK, the keys and the indexes come through unchanged and only the outcome's
CHECK is swapped; tests/store prove it. Were reflection ever to miss the CHECKs, the
batch's drop_constraint would fail ("No such constraint") rather than lose them.

Downgrading refuses, with a clear error and nothing changed, while an interaction has
ended as ``lost``: 0001 has no such value and any other would be a made-up outcome in
the reports. Whoever downgrades decides what those rows become, then downgrades again.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLE = "interaction"
CHECK = "ck_interaction_interaction_outcome"  # the naming convention's name in 0001
OUTCOMES_0001 = (
    "answered",
    "abandoned",
    "overflowed",
    "transferred",
    "exited",
    "rejected",
    "timed_out",
)
OUTCOMES_0002 = (*OUTCOMES_0001, "lost")
WHAT_TO_DO_WITH_LOST = (
    "change their outcome first, e.g. "
    "UPDATE interaction SET outcome = 'abandoned' WHERE outcome = 'lost', and downgrade again"
)


def upgrade() -> None:
    _allow_outcomes(OUTCOMES_0002)


def downgrade() -> None:
    lost = op.get_bind().scalar(text("SELECT count(*) FROM interaction WHERE outcome = 'lost'"))
    if lost:
        raise RuntimeError(
            f"cannot downgrade below revision 0002: {lost} interaction(s) ended as 'lost', "
            f"an outcome revision 0001 does not have; {WHAT_TO_DO_WITH_LOST}"
        )
    _allow_outcomes(OUTCOMES_0001)


def _allow_outcomes(outcomes: tuple[str, ...]) -> None:
    # The text SQLAlchemy writes for the models' Enum, so a migrated SQLite database
    # reads the same as one built from the models.
    condition = "outcome IN ({})".format(", ".join(f"'{o}'" for o in outcomes))
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f(CHECK), TABLE, type_="check")
        op.create_check_constraint(op.f(CHECK), TABLE, condition)
        return
    # Dropping the old copy with foreign keys on would first delete its rows, and
    # interaction_offer's ON DELETE CASCADE every offer with them. vcc migrates with
    # foreign keys off (vcc.store.migrate); the pragma cannot change in a transaction.
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "rebuilding the interaction table with SQLite foreign keys on would delete "
            "every interaction offer; migrate with 'vcc db upgrade' (vcc.store.migrate), "
            "which turns them off"
        )
    with op.batch_alter_table(TABLE, recreate="always") as batch:
        batch.drop_constraint(op.f(CHECK), type_="check")
        batch.create_check_constraint(op.f(CHECK), condition)
