"""HTTP routes of the head-office server, all under ``/api/v1``."""
