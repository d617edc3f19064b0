"""Check-in and check-out: the flow of steps, validation of what visitors type,
invitations, the watchlist screen and the barcode scanner. Never renders or prints.
"""
