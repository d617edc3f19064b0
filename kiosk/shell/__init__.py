"""The Kivy shell: what no single screen owns.

``commands`` (the one writer thread use cases run on), ``background`` (work off the UI thread whose
latest result is shown), ``idle`` (the "are you still there?" reset), ``status_bar`` (site name,
clock, sync state), ``scanner`` (badge and invitation scans on every screen) and ``lockdown`` (no
way out by Escape, Alt+F4 or a close request). ``kiosk/app.py`` only wires these and the screens
together. Nothing here holds check-in rules: those are in ``kiosk.core``; nothing here may wait on
the store or the network on the UI thread.
"""
