"""Lobby kiosk: a self-hosted, offline-first, bilingual visitor kiosk."""
