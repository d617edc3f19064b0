"""``kiosk --check``: start the kiosk offscreen, draw its first frame and check it.

The home screen must be the current screen and the window must show it (a screenshot with
the many colours of text and buttons, not one flat colour); the screenshot is kept in the
data directory as ``first-frame.png``. This is what ``scripts/demo --check`` and CI run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: after the first frame is drawn, time for layout and fonts to settle before the screenshot
SETTLE = 0.3
#: a drawn home screen has text, buttons and a logo: far more colours than this
MIN_COLOURS = 32
TIMEOUT = 60.0


def check_first_frame(app: Any, *, out_dir: Path) -> int:
    """Run ``app`` until its first frame is drawn, stop it, report; 0 when home is drawn."""
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk.capture import save_window

    seen: dict[str, Any] = {"frames": 0}

    def on_flip(*_args: Any) -> None:
        seen["frames"] += 1
        if seen["frames"] == 1:
            Clock.schedule_once(shoot, SETTLE)

    def shoot(_dt: float) -> None:
        Window.unbind(on_flip=on_flip)
        seen["screen"] = str(app.manager.current)
        seen["size"] = tuple(Window.size)
        seen["png"] = save_window(out_dir / "first-frame.png")
        app.stop()

    def give_up(_dt: float) -> None:
        app.stop()

    Window.bind(on_flip=on_flip)
    timer = Clock.schedule_once(give_up, TIMEOUT)
    app.run()
    timer.cancel()
    problem = _problem(seen)
    if problem:
        print(f"kiosk: first-frame check failed: {problem}")
        return 1
    width, height = seen["size"]
    print(
        f"kiosk: first frame OK: the home screen is drawn ({width}x{height}, "
        f"{seen['colours']} colours), screenshot {seen['png']}"
    )
    return 0


def _problem(seen: dict[str, Any]) -> str:
    if "png" not in seen:
        return f"no frame was drawn within {TIMEOUT:.0f} s"
    if seen["screen"] != "home":
        return f"the current screen is {seen['screen']!r}, not home"
    from PIL import Image

    with Image.open(seen["png"]) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    seen["colours"] = len(colours) if colours is not None else 1 << 16
    if seen["colours"] < MIN_COLOURS:
        return f"the frame is blank ({seen['colours']} colours in {seen['png']})"
    return ""
