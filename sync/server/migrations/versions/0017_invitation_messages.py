"""invitation messages (delivery records, mail quarantine); watchlist entries that expire

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 19:40:00

Issue 19 (invitations by e-mail). ``invitation_messages``: one row per message to a guest (the
sealed address, its digest, the guest's language, state queued/sent/failed/quarantined,
attempts, when it may next be tried, the last error). ``mail_quarantine``: the digests of
addresses a mail server refused for good. ``watchlist.expires_at``: from that time on an entry
no longer matches (NULL for existing entries: they never expire).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "invitation_messages",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column(
            "invitation_id", sa.String(length=64), sa.ForeignKey("invitations.id"), nullable=False
        ),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False, server_default="email"),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("address_digest", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False, server_default="zh_CN"),
        sa.Column("state", sa.String(length=16), nullable=False, server_default="queued"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", _TIME, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("sent_at", _TIME, nullable=True),
    )
    op.create_index(
        "ix_invitation_messages_invitation_id", "invitation_messages", ["invitation_id"]
    )
    op.create_index("invitation_messages_due", "invitation_messages", ["state", "next_attempt_at"])
    op.create_table(
        "mail_quarantine",
        sa.Column("address_digest", sa.String(length=64), primary_key=True),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("quarantined_at", _TIME, nullable=False),
    )

    with op.batch_alter_table("watchlist", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", _TIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("watchlist", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    op.drop_table("mail_quarantine")
    op.drop_index("invitation_messages_due", table_name="invitation_messages")
    op.drop_index("ix_invitation_messages_invitation_id", table_name="invitation_messages")
    op.drop_table("invitation_messages")
