"""Tables of the print queue and the notifier, until their SQL moves into repositories here.

The print queue (``kiosk.core.printing.queue``) and the notifier (``kiosk.core.notify``) still
write these tables through ``Transaction.execute``; their repositories take these steps over
when they move into ``kiosk/core/store/``.
"""

from __future__ import annotations

from kiosk.core.store.schema import Step

SCHEMA = (
    # host notification: one row per visit (stage, reply) and one per message sent
    Step(
        3,
        """
    CREATE TABLE notify_visits (
        visit_id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        host_id TEXT,
        department_id TEXT,
        event_uuid TEXT NOT NULL,
        language TEXT NOT NULL DEFAULT 'zh_CN',
        stage TEXT NOT NULL DEFAULT 'host',
        state TEXT NOT NULL DEFAULT 'notified',
        told TEXT NOT NULL DEFAULT '',
        reply_id TEXT NOT NULL,
        reply TEXT,
        minutes INTEGER,
        replied_by TEXT,
        replied_at TEXT,
        created_at TEXT NOT NULL,
        escalate_at TEXT
    );
    CREATE INDEX notify_visits_escalate ON notify_visits(escalate_at);
    CREATE TABLE notify_deliveries (
        id TEXT PRIMARY KEY,
        visit_id TEXT NOT NULL REFERENCES notify_visits(visit_id),
        stage TEXT NOT NULL,
        recipient TEXT NOT NULL,
        url TEXT NOT NULL,
        channel TEXT NOT NULL,
        subject TEXT NOT NULL,
        body_text TEXT NOT NULL,
        body_html TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        sent_at TEXT
    );
    CREATE INDEX notify_deliveries_due ON notify_deliveries(state, next_attempt_at);
    CREATE INDEX notify_deliveries_visit ON notify_deliveries(visit_id);
    """,
    ),
    # badge print jobs: one per visit (copy 0) plus one per reprint; the unique key is
    # what makes a replayed visit.checked_in event print nothing twice
    Step(
        4,
        """
    CREATE TABLE print_jobs (
        id TEXT PRIMARY KEY,
        visit_id TEXT NOT NULL,
        copy INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'queued'
            CHECK (state IN ('queued', 'printing', 'printed', 'failed')),
        language TEXT NOT NULL DEFAULT 'zh_CN',
        event_uuid TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        printer TEXT NOT NULL DEFAULT '',
        printer_ref TEXT NOT NULL DEFAULT '',
        submitted_at TEXT,
        reported INTEGER NOT NULL DEFAULT 0,
        error_key TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        printed_at TEXT,
        UNIQUE (visit_id, copy)
    );
    CREATE INDEX print_jobs_due ON print_jobs(state, next_attempt_at);
    """,
    ),
)
