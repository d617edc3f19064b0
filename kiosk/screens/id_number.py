"""The optional ID number step (only where ``[checkin] id_numbers`` is on), after the name.

Thin: the number is checked by the flow (``kiosk.core.visits.id_numbers``); the step shows its
own consent line, separate from the general one. "Agree and go on" with a number gives the
consent for it; "Skip" (or going on with the field empty) keeps no number.
"""

from __future__ import annotations

from kiosk.screens.steps import TypingStep


class IdNumberScreen(TypingStep):
    def save(self) -> None:
        number = self.ids.field.text.strip()
        self.flow.set(id_number=number, id_consent=bool(number))

    def skip(self) -> None:
        self.ids.field.text = ""
        self.flow.skip_id_number()
        self.error_key = ""
        self.go(self.flow.next())
