"""The one way the kiosk runs background work: a ``Worker`` (start / stop / wake / run_once,
waiting on the injected clock), an ``OutboxConsumer`` whose runner moves its position and
quarantines a poison event in one transaction, and one ``RetryPolicy`` for every back-off.

The print queue, the notifier, the sync worker and the end-of-day check-out run on it.
Must never: import Kivy, sleep on ``time.sleep``, or let one bad event stop a queue.
"""
