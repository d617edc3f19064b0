"""The site's kiosks sharing an emergency on the LAN, head office or not.

``sealing``: every message sealed (AES-256-GCM: encrypted and authenticated) with the site's
peer key (``KeyPurpose.PEER``); ``messages``: what a sealed message may hold, checked by type
and size; ``exchange``: building this kiosk's state and taking a peer's (replays and strangers
refused, logged, alerted); ``link``: the peer server and the sender, two workers on the one
worker abstraction, speaking length-prefixed frames over TCP.
"""
