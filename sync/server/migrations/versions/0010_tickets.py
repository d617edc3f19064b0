"""the front desk's tickets: calls, enquiries, complaints, service requests, and their entries

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 16:10:00

Issue 16, items 1, 2 and 5. The models are in ``sync.server.tickets``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("site_id", sa.String(64), nullable=False, index=True),
        sa.Column("number", sa.String(8), nullable=False, index=True),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("department_id", sa.String(64), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("due_at", _TIME, nullable=True),
        sa.Column("raised_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("raised", sa.JSON(), nullable=False),
    )
    op.create_table(
        "ticket_entries",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("site_id", sa.String(64), nullable=False, index=True),
        sa.Column("ticket_id", sa.String(64), nullable=False, index=True),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("by", sa.String(80), nullable=False),
        sa.Column("entry", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ticket_entries")
    op.drop_table("tickets")
