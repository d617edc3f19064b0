"""dashboard accounts and sessions

Revision ID: 0014
Revises: 0009
Create Date: 2026-12-01 16:15:00

Issue 19, item 2. ``dashboard_users`` (argon2 password hash, role, the sites a non-admin may
see, optional TOTP secret) and ``dashboard_sessions`` (the digest of each session cookie, its
CSRF token and expiry). Head office's own audit entries (logins, views of personal data) go into
``audit_entries`` under the chain ``head-office``: no table of their own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0009"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dashboard_users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(length=200), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("sites", sa.JSON(), nullable=False),
        sa.Column("totp_secret", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("language", sa.String(length=16), nullable=False, server_default="zh_CN"),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_table(
        "dashboard_sessions",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("dashboard_users.id"), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("last_seen_at", _TIME, nullable=False),
    )
    op.create_index("ix_dashboard_sessions_user_id", "dashboard_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_dashboard_sessions_user_id", table_name="dashboard_sessions")
    op.drop_table("dashboard_sessions")
    op.drop_table("dashboard_users")
