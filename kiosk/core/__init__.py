"""Plain-Python core of the kiosk: no Kivy import anywhere below this package."""
