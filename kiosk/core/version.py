"""The installed version of lobby-kiosk (``kiosk --version``, ``kiosk-server --version``)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def installed_version() -> str:
    """The version pip installed (pyproject.toml's), or "unknown" when run from a bare tree."""
    try:
        return version("lobby-kiosk")
    except PackageNotFoundError:
        return "unknown"
