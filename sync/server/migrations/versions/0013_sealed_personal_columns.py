"""personal columns sealed at rest (AES-256-GCM, the server's data key)

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-01 16:20:00

Issue 18, item 1. The columns of ``sync.server.sealing.SEALED`` become text (a sealed value is
longer than the name it seals; PostgreSQL's JSON payload columns become text as well) and
every value still in clear is sealed with the engine's field cipher, so this migration runs
only through ``kiosk-server migrate`` (``make_engine`` gives the cipher). Afterwards
``kiosk-server migrate`` compacts the database (``sealing.compact``: SQLite VACUUM, PostgreSQL
VACUUM FULL of those tables) so no freed page keeps the clear values. Downgrade is refused:
opening every value again would put the personal data back in clear.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sync.server.sealing import SEALED, fields_of

revision = "0013"
down_revision = "0009"
branch_labels = None
depends_on = None

_KEYS = {"events": "uuid"}


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


def downgrade() -> None:
    raise NotImplementedError("sealed personal columns are not opened again in place")
