"""host notify URLs: each host's own apprise channels, set at head office

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 15:10:00

The model is ``sync.server.models.Host.notify_urls``. Hosts stored before this revision get an
empty list; a kiosk then keeps no channels for them, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hosts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notify_urls", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("hosts", schema=None) as batch_op:
        batch_op.drop_column("notify_urls")
