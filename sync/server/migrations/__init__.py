"""Alembic migrations of the head-office database (``kiosk-server migrate``)."""
