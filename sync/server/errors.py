"""Errors of the head-office server beyond the kiosk's tree (``kiosk/core/config/errors.py``).

Route code raises domain errors; ``app.py`` turns them into HTTP answers in one place:
``NotFoundError`` → 404, ``ValidationError`` → 400, ``DeniedError`` → 403, ``ConflictError`` → 409.
"""

from __future__ import annotations

from kiosk.core.config.errors import KioskError


class ConflictError(KioskError):
    """The request clashes with the current state (exists, already used, another site's)."""

    message_key = "error.conflict"
