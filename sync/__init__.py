"""Sync protocol, client, and the head-office server."""
