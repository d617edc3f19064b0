"""key hierarchy: head office's master secret and each site key's rotations

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 09:00:00

The models are ``sync.server.keys.ServerSecret`` and ``SiteKeyVersion``. The master secret row
itself is written by ``kiosk-server migrate`` (``keys.ensure_master_secret``), not here: a
migration's SQL may be shown or replayed, a secret must not be in it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "site_key_versions",
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "purpose", "version"),
    )


def downgrade() -> None:
    op.drop_table("site_key_versions")
    op.drop_table("server_secrets")
