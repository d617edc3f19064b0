"""An incident's record on the kiosk: its review from what this kiosk holds, and its PDF.

The people are those on site at the start as this kiosk knows them (``review.review_people``:
its store, which holds the site's open visits from the pull feed, and its peers' parts); the
incident is the one every kiosk folds the same way. Reads the store: off the UI thread.
"""

from __future__ import annotations

from datetime import datetime, time

from kiosk.core.config.clock import site_time
from kiosk.core.config.errors import NotFoundError
from kiosk.core.emergency.incident_pdf import render_incident
from kiosk.core.emergency.review import Review, review, review_people
from kiosk.core.emergency.service import EmergencyMode
from kiosk.core.emergency.timeline import find


def incident_review(mode: EmergencyMode, incident_id: str) -> Review:
    """The review of one incident (``NotFoundError`` when this kiosk holds no such one)."""
    incident = find(mode.incidents(), incident_id)
    if incident is None:
        raise NotFoundError(f"no incident {incident_id!r}", key="incident.not_found")
    local = site_time(incident.started_at, mode.timezone)
    day_start = datetime.combine(local.date(), time(0, 0), tzinfo=local.tzinfo)
    people, left = review_people(
        mode.records,
        site_id=mode.site_id,
        kiosk_id=mode.kiosk_id,
        incident=incident,
        peers=mode.peer_rosters(),
        day_start=day_start,
    )
    return review(incident, people, now=mode.clock.now(), left_at=left)


def incident_pdf(mode: EmergencyMode, incident_id: str, *, site_name: str) -> bytes:
    """The record of one incident as an A4 PDF in both languages."""
    return render_incident(
        incident_review(mode, incident_id),
        site_name=site_name,
        zone=mode.timezone,
        printed_at=mode.clock.now(),
    )
