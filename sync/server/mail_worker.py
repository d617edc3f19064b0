"""The invitation mailer: head office's one worker that sends the guests' messages (mail,
and text messages through an SMS gateway when one is set).

A ``kiosk.core.workers.Worker`` (the project's one loop) started with the app when
``$KIOSK_SERVER_MAIL_URL`` is set. Each round takes the due delivery records
(``invitation_messages``, state ``queued``), claims each with a conditional update that also
pushes its next attempt a lease ahead (so several server processes never send one twice, and a
process that dies mid-send leaves it to be retried after the lease), sends it, and records the
outcome: sent; refused for good (the address quarantined, the record too); or failed, retried
by ``RetryPolicy`` until its attempts are spent (then ``failed``).

Must never: hold a database transaction open while talking to the mail server.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from kiosk.core.config.clock import Clock, SystemClock
from kiosk.core.config.errors import NotifyError
from kiosk.core.notify.channels import AppriseNotifier, Message, Notifier
from kiosk.core.workers.retry import RetryPolicy
from kiosk.core.workers.worker import Worker

from .invitation_mail import compose, compose_sms
from .mail_models import InvitationMessage, MailQuarantine
from .mail_sender import MailRefused, MailSender, SmsGateway, configured_sender, configured_sms

log = logging.getLogger(__name__)

#: a send takes at most this long before another process may take the record again
LEASE = timedelta(minutes=5)
#: seconds an SMS gateway has to answer
SMS_TIMEOUT = 20.0
#: records taken per round
BATCH = 20
#: eight attempts over about two hours, then the record is ``failed``
RETRY = RetryPolicy(base=60.0, cap=3600.0, attempts=8, jitter=0.2)


class InvitationMailer(Worker):
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        sender: MailSender | None,
        clock: Clock,
        retry: RetryPolicy = RETRY,
        sms: SmsGateway | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        super().__init__(name="invitation-mailer", clock=clock, poll=30.0)
        self.sessions = sessions
        self.sender = sender
        self.retry = retry
        #: text messages go through the kiosk's notifier boundary (apprise), when configured
        self.sms = sms
        self.notifier: Notifier = notifier or AppriseNotifier()

    def run_once(self) -> bool:
        now = self.clock.now()
        with self.sessions() as s:
            due = list(
                s.scalars(
                    select(InvitationMessage.id)
                    .where(InvitationMessage.state == "queued")
                    .where(InvitationMessage.next_attempt_at <= now)
                    .order_by(InvitationMessage.next_attempt_at)
                    .limit(BATCH)
                )
            )
        for message_id in due:
            if self.stopping:
                break
            self.send_one(message_id, now)
        return len(due) == BATCH

    def due_in(self) -> float | None:
        with self.sessions() as s:
            soonest = s.scalar(
                select(func.min(InvitationMessage.next_attempt_at)).where(
                    InvitationMessage.state == "queued"
                )
            )
        if soonest is None:
            return None
        return max(0.0, (soonest - self.clock.now()).total_seconds())

    def send_one(self, message_id: str, now: datetime) -> str:
        """Claim, send and record one message; its state afterwards ("" : another took it)."""
        with self.sessions() as s, s.begin():
            claimed = s.execute(
                update(InvitationMessage)
                .where(InvitationMessage.id == message_id)
                .where(InvitationMessage.state == "queued")
                .where(InvitationMessage.next_attempt_at <= now)
                .values(next_attempt_at=now + LEASE, attempts=InvitationMessage.attempts + 1)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return ""
            record = s.get_one(InvitationMessage, message_id)
            try:
                send = self._sending(s, record)
            except LookupError as e:
                record.state, record.last_error = "failed", str(e)
                return record.state
            attempts, address = record.attempts, record.address
        error = ""
        state = "sent"
        try:
            send()
        except MailRefused as e:
            state, error = "quarantined", _without(str(e), address)
        except NotifyError as e:
            error = _without(str(e), address)
            state = "failed" if self.retry.exhausted(attempts) else "queued"
        with self.sessions() as s, s.begin():
            record = s.get_one(InvitationMessage, message_id)
            record.state, record.last_error = state, error[:2000]
            done = self.clock.now()
            if state == "sent":
                record.sent_at = done
            elif state == "queued":
                record.next_attempt_at = done + timedelta(seconds=self.retry.delay(attempts))
            elif state == "quarantined" and s.get(MailQuarantine, record.address_digest) is None:
                s.add(
                    MailQuarantine(
                        address_digest=record.address_digest,
                        reason=error[:2000],
                        quarantined_at=done,
                    )
                )
        if error:  # the reason is on the page; a log line names no guest
            log.warning("invitation mail %s: %s", message_id, state)
        return state

    def _sending(self, session: Session, record: InvitationMessage) -> Callable[[], None]:
        """What sends ``record`` (composed now, inside the claim's transaction); LookupError
        when it cannot be sent at all (its invitation gone, its channel not set up here)."""
        if record.channel == "sms":
            sms = self.sms
            if sms is None:
                raise LookupError("no SMS gateway is set ($KIOSK_SERVER_SMS_URL)")
            text = compose_sms(session, record, template=sms.template)
            url, notifier = sms.url_for(record.address), self.notifier
            return lambda: notifier.send(url, Message("", text, ""), timeout=SMS_TIMEOUT)
        sender = self.sender
        if sender is None:
            raise LookupError("no mail server is set ($KIOSK_SERVER_MAIL_URL)")
        message = compose(session, record, sender=sender.sender, now=self.clock.now())
        return lambda: sender.send(message)


def _without(text: str, address: str) -> str:
    """A mail server's answer with the guest's address taken out (it often repeats it)."""
    return text.replace(address, "<guest>") if address else text


@asynccontextmanager
async def mailer_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The app's mailer (``app.state.mailer``) for as long as it serves, when mail or SMS is
    set."""
    sender, sms = configured_sender(), configured_sms()
    mailer = None
    if sender is not None or sms is not None:
        mailer = InvitationMailer(
            sessions=app.state.sessionmaker, sender=sender, sms=sms, clock=SystemClock()
        )
        mailer.start()
    app.state.mailer = mailer
    try:
        yield
    finally:
        if mailer is not None:
            mailer.stop()
