"""parcels left at reception and check-out ratings

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 16:30:00

Issue 16, items 6 and 7 (sync/server/desk_work.py). ``parcels``: one row per parcel a courier
left at a site's reception, with its pick-up; ``visit_ratings``: a visitor's one-tap rating at
check-out, one per visit.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "parcels",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("site_id", sa.String(64), nullable=False, index=True),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("courier", sa.String(32), nullable=False),
        sa.Column("host_id", sa.String(64), nullable=True),
        sa.Column("department_id", sa.String(64), nullable=True),
        sa.Column("received_at", _TIME, nullable=True),
        sa.Column("collected_at", _TIME, nullable=True),
        sa.Column("collected_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "visit_ratings",
        sa.Column("visit_id", sa.String(64), primary_key=True),
        sa.Column("site_id", sa.String(64), nullable=False, index=True),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("scale", sa.String(16), nullable=False),
        sa.Column("rated_at", _TIME, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("visit_ratings")
    op.drop_table("parcels")
