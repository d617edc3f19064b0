"""Printer backends (CUPS, ESC/POS, Brother QL, files, a fake) and the persistent
print queue that turns check-ins into badges.
"""
