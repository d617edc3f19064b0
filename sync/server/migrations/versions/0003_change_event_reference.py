"""changes point at the pushed event instead of copying it; indexes for the real queries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 14:30:00

A kiosk's visit events are fed to the site's other kiosks; the change row now names the event
(``event_uuid``) and pull reads the payload from ``events``: one copy of each payload, not two.
Events are only ever looked up by UUID: their (site, kind) index cost every push and served no
query. Visits are listed by site and creation time: index that, not the check-in time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("event_uuid", sa.String(length=64), nullable=True))
    op.drop_index("events_site_kind", table_name="events")
    op.drop_index("visits_site_checked_in", table_name="visits")
    op.create_index("visits_site_created", "visits", ["site_id", "created_at"])


def downgrade() -> None:
    op.drop_index("visits_site_created", table_name="visits")
    op.create_index("visits_site_checked_in", "visits", ["site_id", "checked_in_at"])
    op.create_index("events_site_kind", "events", ["site_id", "kind"])
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("event_uuid")
