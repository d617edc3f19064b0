"""Backups that restore cleanly: encrypted archives, the kiosk's backup and restore, and the
steps after a restore that keep it free of side effects (docs/backup.md)."""
