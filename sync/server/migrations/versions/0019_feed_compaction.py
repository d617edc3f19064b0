"""sites: the pull feed's compaction horizon

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 19:45:00

Issue 23. ``sites.compacted_seq``: the highest change of the site's feed that compaction
(``sync/server/compaction.py``) has rewritten; a kiosk whose cursor is below it (and above 0)
is told to resync (``feed.resync``). 0 for existing sites: nothing compacted yet.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("compacted_seq", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("compacted_seq")
