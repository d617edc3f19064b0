"""receptionist mode: staff accounts, audit entries, annotations, decisions, reprints, desk

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 09:00:00

The models are in ``sync.server.reception``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("site_id", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("pin_hash", sa.String(200), nullable=False),
        sa.Column("language", sa.String(64), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("hlc", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_entries",
        sa.Column("kiosk_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.String(64), nullable=False, index=True),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject_kind", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("fields", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "visit_annotations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("site_id", sa.String(64), nullable=False, index=True),
        sa.Column("visit_id", sa.String(64), nullable=False, index=True),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("old_value", sa.String(200), nullable=False),
        sa.Column("new_value", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("hlc", sa.String(64), nullable=False),
    )
    op.create_table(
        "visit_decisions",
        sa.Column("visit_id", sa.String(64), primary_key=True),
        sa.Column("site_id", sa.String(64), nullable=False, index=True),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("decided_at", _TIME, nullable=False),
        sa.Column("hlc", sa.String(64), nullable=False),
    )
    op.create_table(
        "badge_reprints",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("site_id", sa.String(64), nullable=False, index=True),
        sa.Column("visit_id", sa.String(64), nullable=False, index=True),
        sa.Column("copy", sa.Integer(), nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("requested_at", _TIME, nullable=False),
    )
    op.create_table(
        "desk_status",
        sa.Column("site_id", sa.String(64), primary_key=True),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("unattended", sa.Boolean(), nullable=False),
        sa.Column("return_at", _TIME, nullable=True),
        sa.Column("backup_contact", sa.String(200), nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("changed_at", _TIME, nullable=False),
        sa.Column("hlc", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "desk_status",
        "badge_reprints",
        "visit_decisions",
        "visit_annotations",
        "audit_entries",
        "staff",
    ):
        op.drop_table(table)
