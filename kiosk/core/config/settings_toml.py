"""The effective settings written back out: as TOML (``kiosk --print-config``, the console's
settings file) and as the list of keys two settings differ in."""

from __future__ import annotations

from kiosk.core.config.settings import Settings


def render_toml(settings: Settings, notes: dict[str, str] | None = None) -> str:
    """The effective settings as TOML (for ``kiosk --print-config``); ``notes`` maps
    ``"section.key"`` to a comment put at the end of that key's line (``# from enrollment``)."""
    import tomli_w

    text = tomli_w.dumps(settings.to_dict())
    if not notes:
        return text
    out, section = [], ""
    for line in text.splitlines():
        if line.startswith("["):
            section = line.strip("[] ")
        key = line.split("=", 1)[0].strip() if "=" in line else ""
        note = notes.get(f"{section}.{key}") if key else None
        out.append(f"{line}  # {note}" if note else line)
    return "\n".join(out) + "\n"


def differences(before: Settings, after: Settings) -> list[str]:
    """The ``"section.key"`` names whose values differ between two settings."""
    old, new = before.to_dict(), after.to_dict()
    return [f"{s}.{k}" for s in new for k in new[s] if old[s][k] != new[s][k]]
