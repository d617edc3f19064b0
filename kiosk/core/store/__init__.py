"""The kiosk's SQLite store: connections, transactions, the outbox, and the repositories.

All SQL of the kiosk lives in this package. ``database.Store`` is the seam: a connection per
thread (closed when the thread ends, at ``release()`` or at the end of a ``session()`` block;
``connection_count()`` reports how many are open), re-entrant transactions (a nested
``store.transaction()`` joins the open one with a SAVEPOINT, so no function needs an optional
``tx`` parameter and a transaction of its own), and every ``sqlite3`` error translated into
``kiosk.core.config.errors`` (``failures.py``: disk full, I/O, corruption, constraint).

Repositories, one module per table group: ``directory`` (sites, departments, hosts), ``visitors``,
``visits``, ``invitations``, ``watchlist`` (all five are ``records.Records``), ``outbox`` (events
and consumer positions), ``kv`` (small key/value state), ``alerts``, ``print_jobs`` and
``notify_deliveries`` (the print queue's and the notifier's tables), ``quarantine`` and
``pulled_quarantine`` (events and pulled changes set aside), and ``staff``, ``audit`` and
``reception`` (receptionist mode: accounts, the hash-chained audit log, corrections, decisions
and reprints).

Migrations: each repository module owns its tables' schema steps, as ``SCHEMA`` (a tuple of
``schema.Step(version, sql)``), and is named in ``schema.OWNERS``. There is one sequence,
``PRAGMA user_version``: version ``n`` is every owner's step numbered ``n``, run in ``OWNERS``
order in one transaction. To change the schema, add a step numbered ``SCHEMA_VERSION + 1`` to
the module that owns the table (a new repository module adds itself to ``OWNERS``); never
edit a step that has shipped. ``schema.migrations()`` refuses a gap in the numbers.

Must never: import Kivy, touch the network, or let a ``sqlite3`` exception out.
"""
