"""emergency entries: the kiosks' emergency timelines, once per entry

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 16:40:00

Issue 17. ``emergency_entries`` keeps each ``emergency.*`` event a kiosk pushed once by its
entry id, with its hybrid-clock stamp; the incident record is folded from them
(``sync/server/incidents.py``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "emergency_entries",
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("hlc", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("entry_id"),
    )
    op.create_index("ix_emergency_entries_site_id", "emergency_entries", ["site_id"])


def downgrade() -> None:
    op.drop_index("ix_emergency_entries_site_id", table_name="emergency_entries")
    op.drop_table("emergency_entries")
