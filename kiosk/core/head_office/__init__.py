"""What the kiosk knows of head office: the ``HeadOffice`` protocol it asks through
(``protocol``), and its enrollment and stored token (``enrollment``). The HTTP client itself
lives in ``sync/`` and is handed in; this package never imports ``sync`` nor speaks HTTP.
"""
