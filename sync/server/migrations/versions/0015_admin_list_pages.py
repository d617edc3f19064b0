"""indexes in the order of each admin list's pages

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 16:45:00

Issue 23, item 3: every admin list is read a page at a time by keyset (``api/pages.py``):
``WHERE site_id = :site AND key > :after ORDER BY key LIMIT n``. Each index here serves one
list's filter and order at once, so a page is an index range read, never a sort of the site's
rows (checked with ``EXPLAIN`` on PostgreSQL in tests/integration/test_admin_pages.py). The
visit and alert indexes replace ones that were their prefix.
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: (index, table, columns) added; the two they replace are dropped
_PAGES = (
    ("kiosks_site_page", "kiosks", ["site_id", "id"]),
    ("departments_site_page", "departments", ["site_id", "id"]),
    ("hosts_site_page", "hosts", ["site_id", "id"]),
    ("invitations_site_page", "invitations", ["site_id", "updated_at", "id"]),
    ("visits_site_page", "visits", ["site_id", "created_at", "id"]),
    ("alerts_site_page", "alerts", ["site_id", "raised_at", "id"]),
)
_REPLACED = (
    ("visits_site_created", "visits", ["site_id", "created_at"]),
    ("alerts_site_raised", "alerts", ["site_id", "raised_at"]),
)


def upgrade() -> None:
    for name, table, columns in _PAGES:
        op.create_index(name, table, columns)
    for name, table, _columns in _REPLACED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in _REPLACED:
        op.create_index(name, table, columns)
    for name, table, _columns in _PAGES:
        op.drop_index(name, table_name=table)
