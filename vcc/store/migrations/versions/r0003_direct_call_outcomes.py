"""Outcomes of an agent's own calls (click-to-dial, agent-to-agent): the customer was
``busy``, did not answer (``no_answer``) or could not be reached (``unreachable``), or
the agent did not pick up their own phone (``cancelled``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

The outcome CHECK grows as in revision 0002 (see there for how SQLite rebuilds the
table). Downgrading refuses while an interaction has one of these outcomes.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import bindparam, text

from vcc.store.migrations.versions.r0002_interaction_outcome_lost import (
    OUTCOMES_0002,
    _allow_outcomes,
)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NEW = ("busy", "no_answer", "unreachable", "cancelled")
OUTCOMES_0003 = (*OUTCOMES_0002, *NEW)


def upgrade() -> None:
    _allow_outcomes(OUTCOMES_0003)


def downgrade() -> None:
    used = op.get_bind().scalar(
        text("SELECT count(*) FROM interaction WHERE outcome IN :new").bindparams(
            bindparam("new", expanding=True)
        ),
        {"new": list(NEW)},
    )
    if used:
        raise RuntimeError(
            f"cannot downgrade below revision 0003: {used} interaction(s) have an outcome "
            f"revision 0002 does not have ({', '.join(NEW)}); change them first, then "
            "downgrade again"
        )
    _allow_outcomes(OUTCOMES_0002)
