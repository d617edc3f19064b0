"""The Kivy shell around the screens: what runs the app rather than one screen (so far the
off-UI-thread runner; idle reset, status bar and scanner routing belong here too)."""
