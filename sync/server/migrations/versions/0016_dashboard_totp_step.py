"""dashboard accounts: the time step of the last TOTP code accepted

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 16:50:00

Issue 19. ``dashboard_users.totp_last_step``: a TOTP code is accepted once (a code read over a
shoulder or from a log cannot be replayed within its window). 0 for existing accounts: their
next code is accepted as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dashboard_users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("totp_last_step", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("dashboard_users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
