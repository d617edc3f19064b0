"""The front desk's settings sections, ``[tickets]`` and ``[emergency]``: part of
``Settings`` (``settings.py``), documented like every other key by their ``#:`` comments."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TicketSettings:
    #: the site's ticket categories, "key:中文:English" or "key:中文:English:department_id"
    #: (a new ticket of that category goes to that department); the Help screen and the
    #: console offer them in this order; head office's list for the site, when it sets one
    #: (site settings "tickets": {"categories": [...]}), replaces this one
    categories: tuple[str, ...] = (
        "cleaning:保洁:Cleaning:property",
        "security:安保:Security:security",
        "engineering:工程维修:Repairs:property",
        "enquiry:咨询:Enquiry",
        "complaint:投诉:Complaint",
        "other:其他:Other",
    )
    #: minutes until a ticket is due, "priority=minutes" or "kind.priority=minutes" (the
    #: kind's own wins); a priority named nowhere is due in a day
    due_minutes: tuple[str, ...] = (
        "urgent=30",
        "high=120",
        "normal=480",
        "low=1440",
        "complaint.urgent=60",
        "complaint.high=240",
        "call.normal=60",
    )
    #: apprise URLs of department heads, "department_id=URL": an overdue ticket goes to its
    #: department's head first, then (``desk_after_minutes`` later) to the desk with an alert
    head_urls: tuple[str, ...] = ()
    #: minutes past the due time after which an overdue ticket goes to the desk as an alert
    desk_after_minutes: int = 60
    #: days a department's signed ticket link stays valid
    link_days: int = 7
    #: apprise URLs of the desk's supervisor: the periodic complaint summary goes there
    #: (``kiosk.core.tickets.summary``); empty = no summary
    summary_channels: tuple[str, ...] = ()
    #: how often the complaint summary goes, at the end of each site-calendar period:
    #: "day", "week" (Monday to Sunday), "month", "quarter", "year" or "off"
    summary_every: str = "week"
    #: the Help screen's FAQ, a JSON file the site edits (``kiosk.core.tickets.faq``); empty =
    #: the one shipped with the kiosk
    faq_file: str = ""


@dataclass(frozen=True)
class EmergencySettings:
    #: the site's other kiosks' peer servers, "host:port" each: they share an emergency, its
    #: roll call and its marks on the LAN, with head office down too (docs/emergency.md)
    peers: tuple[str, ...] = ()
    #: where this kiosk's peer server listens, "host:port" ("0.0.0.0:7410"); empty = none
    listen: str = ""
    #: with a peer server listening: advertise it and find the site's other kiosks on the LAN
    #: by zeroconf (mDNS, ``_lobbykiosk._tcp``), beside ``peers``; false = the peer list only
    discovery: bool = True
    #: where this kiosk serves the roll-call page floor wardens open from the console's QR
    #: code to mark people from their phones, "host:port" ("0.0.0.0:7420"); empty = none
    warden_listen: str = ""
    #: the page's address as phones reach it ("http://10.0.5.12:7420"); empty = this kiosk's
    #: first network address and the port of ``warden_listen``
    warden_url: str = ""
    #: the site's peer key by hand (VERSION:HEX from `kiosk-server show-key SITE peer`) for a
    #: kiosk not enrolled; empty = the key fetched from head office with the other site keys
    peer_key: str = ""
    #: seconds between two exchanges with each peer while an emergency is under way
    interval: float = 2.0
    #: seconds between two exchanges while none is (a start is sent at once either way)
    idle_interval: float = 15.0
    #: where the roll call prints, tried in order until one takes it: "cups:QUEUE" (A4),
    #: "cups:QUEUE@roll62" (a 62 mm roll), "file:DIR", "badge" (the badge printer's roll);
    #: "+ps" after a CUPS-PDF queue keeps the names findable in its PDF; empty = "badge"
    rollcall_printers: tuple[str, ...] = ()
