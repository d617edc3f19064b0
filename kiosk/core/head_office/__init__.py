"""What the kiosk knows of head office: its enrollment and stored token. The HTTP
client itself lives in ``sync/``; the core never imports ``sync``.
"""
