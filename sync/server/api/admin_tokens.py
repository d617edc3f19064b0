"""``POST /api/v1/admins/{id}/revoke``: an admin's leaked token stops working at once.

The same as ``kiosk-server revoke-admin NAME``. An admin may revoke their own token (then the
next request is 401).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Path
from pydantic import BaseModel

from kiosk.core.config.errors import NotFoundError

from ..models import Admin
from .deps import CurrentAdmin, SessionDep

router = APIRouter(tags=["admin"])


class AdminPublic(BaseModel):
    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None


@router.post(
    "/admins/{admin_id}/revoke",
    response_model=AdminPublic,
    responses={404: {"description": "no such admin"}},
)
def revoke_admin(
    admin_id: int = Path(ge=1, le=2**31 - 1), *, _: CurrentAdmin, session: SessionDep
) -> AdminPublic:
    """Revoke an admin's token (idempotent: the first revocation's time stays)."""
    with session.begin():
        admin = session.get(Admin, admin_id)
        if admin is None:
            raise NotFoundError(f"no admin {admin_id}")
        admin.revoked_at = admin.revoked_at or datetime.now(UTC)
        return AdminPublic(
            id=admin.id, name=admin.name, created_at=admin.created_at, revoked_at=admin.revoked_at
        )
