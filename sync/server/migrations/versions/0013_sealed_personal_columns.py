"""personal columns sealed at rest (AES-256-GCM, the server's data key)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 16:20:00

Issue 18, items 1 and 5. The columns of ``sync.server.sealing.SEALED`` become text (a sealed
value is longer than the name it seals; PostgreSQL's JSON payload columns become text as well) and
every value still in clear is sealed with the engine's field cipher, so this migration runs
only through ``kiosk-server migrate`` (``make_engine`` gives the cipher). Afterwards
``kiosk-server migrate`` compacts the database (``sealing.compact``: SQLite VACUUM, PostgreSQL
VACUUM FULL of those tables) so no freed page keeps the clear values. Downgrade is refused:
opening every value again would put the personal data back in clear. Also the tables of a
person's erasures and the kiosks' confirmations (``erasures``, ``erasure_confirmations``), and
privacy incidents (``privacy_incidents``). ``SEALED`` includes the tickets' raised records and
entries (0010) and the emergency timeline's entries (0012): nothing was released between them,
so this one migration seals those too.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sync.server.sealing import SEALED, fields_of

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_KEYS = {"events": "uuid", "emergency_entries": "entry_id"}


def upgrade() -> None:
    bind = op.get_bind()
    fields = fields_of(bind.dialect)
    if bind.dialect.name == "postgresql":
        for table, column, is_json in SEALED:
            using = f"{column}::text" if is_json else None
            op.alter_column(table, column, type_=sa.Text(), postgresql_using=using)
    for table, column, _ in SEALED:
        key = _KEYS.get(table, "id")
        rows = bind.execute(
            sa.text(
                f"SELECT {key}, CAST({column} AS TEXT) FROM {table} "
                f"WHERE {column} IS NOT NULL AND CAST({column} AS TEXT) NOT LIKE 'pf1.%'"
            )
        ).all()
        update = sa.text(f"UPDATE {table} SET {column} = :value WHERE {key} = :key")
        for row_key, value in rows:
            if value:
                bind.execute(update, {"value": fields.seal(value, table, column), "key": row_key})

    # a person's erasures and each kiosk's confirmation (sync/server/person_requests.py)
    op.create_table(
        "erasures",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("site_id", sa.String(length=64), nullable=False, index=True),
        sa.Column("visitor_ids", sa.JSON(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
    )
    op.create_table(
        "erasure_confirmations",
        sa.Column("erasure_id", sa.String(length=64), primary_key=True),
        sa.Column("kiosk_id", sa.String(length=64), primary_key=True),
        sa.Column("visitors", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
    )
    # privacy incidents with their audit extract (sync/server/incidents.py)
    op.create_table(
        "privacy_incidents",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("site_id", sa.String(length=64), nullable=False, index=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("visitor_ids", sa.JSON(), nullable=False),
        sa.Column("told", sa.Text(), nullable=False),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("audit_extract", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("sealed personal columns are not opened again in place")
