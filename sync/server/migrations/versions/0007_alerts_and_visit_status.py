"""alerts, and each visit's badge and notify status

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:30:00

The models are ``sync.server.models.Alert`` (folded from ``alert.raised`` /
``alert.acknowledged``, sync/server/alerts.py) and the ``Visit.badge_*`` / ``Visit.notify_*``
columns (folded from ``badge.*`` / ``notify.*``, sync/server/visit_status.py). Events pushed
before this revision stay in ``events``; visits stored before it have no status.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("message_key", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("visit_id", sa.String(length=64), nullable=True),
        sa.Column("raised_at", _TIME, nullable=True),
        sa.Column("acknowledged_at", _TIME, nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=False),
        sa.Column("acknowledged_kiosk_id", sa.String(length=64), nullable=True),
        sa.Column("ack_hlc", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("alerts_site_raised", "alerts", ["site_id", "raised_at"])
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("badge_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("badge_status_at", _TIME, nullable=True))
        batch_op.add_column(
            sa.Column("badge_hlc", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("notify_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("notify_status_at", _TIME, nullable=True))
        batch_op.add_column(
            sa.Column("notify_hlc", sa.String(length=64), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("visits", schema=None) as batch_op:
        for column in (
            "notify_hlc",
            "notify_status_at",
            "notify_status",
            "badge_hlc",
            "badge_status_at",
            "badge_status",
        ):
            batch_op.drop_column(column)
    op.drop_index("alerts_site_raised", table_name="alerts")
    op.drop_table("alerts")
