"""Badge templates, fitting text, rendering (pure functions from values to images) and
the signed badge tokens verified offline. Never talks to a printer.
"""
