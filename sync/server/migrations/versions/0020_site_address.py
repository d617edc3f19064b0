"""sites: the postal address in Chinese and English

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 23:00:00

Issue 19. ``sites.address_zh`` and ``sites.address_en``: where guests are going, shown in their
invitation mails and on the route page (``sync/server/site_address.py``). Empty for existing
sites until an operator sets them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("address_zh", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("address_en", sa.String(length=300), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("address_en")
        batch_op.drop_column("address_zh")
