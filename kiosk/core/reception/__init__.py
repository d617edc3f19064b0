"""Receptionist mode's core: staff and PINs, the audit log, the on-site board, desk actions.

``pins`` (argon2 of a peppered PIN) and ``pepper`` (the per-site secret, from the key hierarchy
or made by a stand-alone kiosk, kept outside the database), ``staff`` (accounts, entry with a
lockout that survives a restart, the console session that locks itself), ``audit`` (the
append-only, hash-chained log and its verification), ``board`` (who is on site, expected,
not signed out, held), ``actions`` (what the desk does, each a use case that writes its rows,
its typed event and its audit entry in one transaction) and ``desk`` (the unattended switch).

Must never: import Kivy, store or log a PIN, or name a staff member in the audit log other
than by their pseudonymous id.
"""
