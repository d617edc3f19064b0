"""The front desk's tickets: calls, enquiries, complaints and service requests (issue 16).

``model``: kinds, statuses and the one status machine, and ``fold`` (a ticket's state from its
raised record and entries); ``text``: what the desk or a visitor types, cleaned and bounded;
``categories``: the site's bilingual categories and due times (settings ``[tickets]``);
``desk``: the use cases (raise, assign, acknowledge, resolve, tell the client, confirm, edit,
look up by number), each writing its entry, typed event and audit entry in one transaction;
``figures``: the counts and times the desk's assessment reports use; ``pulled``: the site's
other kiosks' tickets and the departments' answers, applied from the pull feed.

Must never: import Kivy; show personal data to a lookup by number.
"""
