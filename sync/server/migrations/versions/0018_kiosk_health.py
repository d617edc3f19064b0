"""kiosks: the last health report each kiosk sent with sync

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 19:40:00

Issue 19. ``kiosks.health`` (the kiosk's last ``KioskHealthIn``, as JSON) and
``kiosks.health_at`` (when head office received it, on its own clock). Both empty for every
kiosk until it reports: an older kiosk never does, and the dashboard says so.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("health", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("health_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.drop_column("health_at")
        batch_op.drop_column("health")
