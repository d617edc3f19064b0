"""one visitor per site and phone, conflicts, the watchlist's history, invitation use order

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 13:20:00

Issue 14, items 3 and 4. ``visitors.phone_key`` (head office's blind index of the phone),
``merged_into`` and ``last_visit_at``; ``invitations.used_hlc`` (the use that stands is the
earliest by hybrid logical clock); ``watchlist.created_at`` / ``deleted_at`` (head office
re-screens check-ins against the list as of their time; an entry is now kept when removed);
the ``conflicts`` table. Rows stored before this revision have no phone key until their
visitor checks in again; entries without ``created_at`` count as listed since always.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("visitors", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("phone_key", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("merged_into", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("last_visit_at", _TIME, nullable=True))
    op.create_index("visitors_site_phone", "visitors", ["site_id", "phone_key"])
    op.create_index("visits_visitor", "visits", ["visitor_id", "state"])
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("used_hlc", sa.String(length=64), nullable=False, server_default="")
        )
    with op.batch_alter_table("watchlist", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_at", _TIME, nullable=True))
        batch_op.add_column(sa.Column("deleted_at", _TIME, nullable=True))
    op.create_table(
        "conflicts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("visit_id", sa.String(length=64), nullable=False),
        sa.Column("other_visit_id", sa.String(length=64), nullable=True),
        sa.Column("hlc", sa.String(length=64), nullable=False),
        sa.Column("alert_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_conflicts_site_id", "conflicts", ["site_id"])


def downgrade() -> None:
    op.drop_index("ix_conflicts_site_id", table_name="conflicts")
    op.drop_table("conflicts")
    with op.batch_alter_table("watchlist", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("created_at")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_column("used_hlc")
    op.drop_index("visits_visitor", table_name="visits")
    op.drop_index("visitors_site_phone", table_name="visitors")
    with op.batch_alter_table("visitors", schema=None) as batch_op:
        batch_op.drop_column("last_visit_at")
        batch_op.drop_column("merged_into")
        batch_op.drop_column("phone_key")
