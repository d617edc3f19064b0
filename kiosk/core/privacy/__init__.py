"""Visitor privacy: personal fields sealed at rest (``fields``), the sealing of rows written
before it (``migrate``). No Kivy, no network."""
