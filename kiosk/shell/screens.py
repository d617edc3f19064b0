"""The kiosk's screens: which class each name builds (``SCREENS``, in ``kiosk tour``'s order)
and which services each is handed (``handed``): a screen gets what it uses and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kiosk.services import DirectionsServices, Services

#: a walk-in check-in's screens, built ahead after start-up (``build_ahead``)
AHEAD = ("phone", "name", "company", "purpose", "host", "consent", "confirm", "done")

#: screen name → (module, class); the order is the order of ``kiosk tour``
SCREENS: list[tuple[str, str, str]] = [
    ("home", "kiosk.screens.home", "HomeScreen"),
    ("phone", "kiosk.screens.steps", "PhoneScreen"),
    ("name", "kiosk.screens.steps", "NameScreen"),
    # only where [checkin] id_numbers is on (built when first shown, so never otherwise)
    ("id_number", "kiosk.screens.id_number", "IdNumberScreen"),
    ("company", "kiosk.screens.steps", "CompanyScreen"),
    ("purpose", "kiosk.screens.steps", "PurposeScreen"),
    ("host", "kiosk.screens.steps", "HostScreen"),
    ("consent", "kiosk.screens.steps", "ConsentScreen"),
    ("confirm", "kiosk.screens.confirm", "ConfirmScreen"),
    ("done", "kiosk.screens.confirm", "DoneScreen"),
    ("denied", "kiosk.screens.confirm", "DeniedScreen"),
    ("invite_code", "kiosk.screens.invitation", "InviteCodeScreen"),
    ("invitation", "kiosk.screens.invitation", "InvitationScreen"),
    ("checkout", "kiosk.screens.checkout", "CheckoutScreen"),
    ("goodbye", "kiosk.screens.checkout", "GoodbyeScreen"),
    ("directions", "kiosk.screens.directions", "DirectionsScreen"),
    ("help", "kiosk.screens.info", "HelpScreen"),
    ("help_ticket", "kiosk.screens.help_tickets", "HelpTicketScreen"),
    ("help_ticket_done", "kiosk.screens.help_tickets", "HelpTicketDoneScreen"),
    ("help_lookup", "kiosk.screens.help_tickets", "HelpLookupScreen"),
    ("delivery", "kiosk.screens.delivery", "DeliveryScreen"),
    ("delivery_recipient", "kiosk.screens.delivery", "DeliveryRecipientScreen"),
    ("reception_pin", "kiosk.screens.reception_pin", "ReceptionPinScreen"),
    ("reception_board", "kiosk.screens.reception_board", "ReceptionBoardScreen"),
    ("reception_alerts", "kiosk.screens.reception_alerts", "ReceptionAlertsScreen"),
    ("reception_record", "kiosk.screens.reception_record", "ReceptionRecordScreen"),
    ("reception_checkin", "kiosk.screens.reception_checkin", "ReceptionCheckinScreen"),
    ("reception_first_admin", "kiosk.screens.reception_first_admin", "ReceptionFirstAdminScreen"),
    ("reception_settings", "kiosk.screens.reception_settings", "ReceptionSettingsScreen"),
    ("reception_staff", "kiosk.screens.reception_staff", "ReceptionStaffScreen"),
    ("reception_calls", "kiosk.screens.reception_tickets", "ReceptionCallsScreen"),
    ("reception_tickets", "kiosk.screens.reception_tickets", "ReceptionTicketsScreen"),
    ("reception_tickets_detail", "kiosk.screens.reception_tickets", "ReceptionTicketDetailScreen"),
    ("reception_deliveries", "kiosk.screens.reception_deliveries", "ReceptionDeliveriesScreen"),
    ("reception_reports", "kiosk.screens.reception_reports", "ReceptionReportsScreen"),
    ("emergency_instructions", "kiosk.screens.emergency", "EmergencyScreen"),
    ("emergency_rollcall", "kiosk.screens.emergency_console", "EmergencyConsoleScreen"),
]


def handed(name: str, s: Services, progress: Any) -> dict[str, Any]:
    """The services screen ``name`` uses (``progress``: the app's ProgressWatch)."""
    flow = {"flow": s.flow}
    typing = {"flow": s.flow, "ime": s.ime, "handwriting": s.handwriting}
    lookups = {"checkin": s.checkin, "records": s.records}
    console = {"reception": s.reception}
    desk_form = {**console, "search": s.search, "records": s.records}
    keys = {"ime": s.ime, "handwriting": s.handwriting}
    by_screen: dict[str, dict[str, Any]] = {
        "home": flow,
        "phone": typing,
        "name": typing,
        "id_number": typing,
        "company": typing,
        "purpose": flow,
        "host": {**typing, "search": s.search, "records": s.records},
        "consent": flow,
        "confirm": {**flow, "checkin": s.checkin},
        "done": {"progress": progress},
        "invite_code": lookups,
        "invitation": {"checkin": s.checkin},
        "checkout": lookups,
        "goodbye": {"ratings": s.ratings},
        "directions": {
            "services": DirectionsServices(
                search=s.search,
                directions=s.directions,
                route_links=s.route_links,
                ime=s.ime,
                handwriting=s.handwriting,
            )
        },
        "help": {"store": s.store, "tickets": s.tickets},
        "help_ticket": {"tickets": s.tickets, **keys},
        "help_ticket_done": {"print_queue": s.print_queue},
        "help_lookup": {"tickets": s.tickets},
        "reception_pin": {**console, "admin": s.admin},
        "reception_board": {**console, "parcels": s.parcels},
        "reception_alerts": console,
        "reception_record": desk_form,
        "reception_checkin": desk_form,
        "reception_first_admin": {**console, **keys, "admin": s.admin},
        "reception_settings": {**console, "admin": s.admin},
        "reception_staff": {**console, **keys, "admin": s.admin},
        "reception_calls": {**console, **keys, "tickets": s.tickets},
        "reception_tickets": {**console, "tickets": s.tickets},
        "reception_tickets_detail": {**console, "tickets": s.tickets},
        "delivery": {"parcels": s.parcels},
        "delivery_recipient": {
            **keys,
            "parcels": s.parcels,
            "search": s.search,
            "records": s.records,
        },
        "reception_deliveries": {**console, "parcels": s.parcels},
        "reception_reports": {**console, "reports": s.reports},
        "emergency_instructions": {"emergency": s.emergency.mode, "directions": s.directions},
        "emergency_rollcall": {"emergency": s.emergency},
    }
    return by_screen.get(name, {})


def build_ahead(app: Any, names: Sequence[str] = AHEAD, *, every: float = 0.5) -> Any:
    """Build the screens ``names`` not built yet, one every ``every`` seconds while the kiosk
    rests on its start screen, so the first visitor after a start waits for no screen's
    widgets (building one, the name step with its keyboard most, took a 100-300 ms frame on
    its first show). A visitor already on their way builds them by using them. Returns the
    clock event (cancel it on stop); nothing at the desk's console, which has no visitors.
    """
    from kivy.clock import Clock

    waiting = [name for name in names if not app.desk]

    def step(_dt: float) -> bool:
        built = {screen.name for screen in app.screens()}
        while waiting and waiting[0] in built:
            waiting.pop(0)
        if not waiting:
            return False  # all built: the clock event ends
        if app.manager.current == app.start_screen:
            app.screen(waiting.pop(0))
        return True

    return Clock.schedule_interval(step, every)
