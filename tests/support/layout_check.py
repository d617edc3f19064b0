"""What "laid out right" means for a screen, measured on the real widgets.

``layout_problems(root, window_size)`` walks the widgets drawn on the screen (opacity > 0, a
size of their own; what a ScrollView or another StencilView clips is left out, since it may
scroll) and names every one that leaves its parent or the window, every label or button whose
text is taller or wider than the widget it is drawn in (cut), every scrolling list squeezed to
a sliver of its content, and every two interactive widgets (buttons, fields) that overlap.
"""

from __future__ import annotations

from typing import Any

#: pixels a widget may stick out (rounding of size hints)
SLACK = 2
#: the least a scrolling list shows of its content (about two lines of large text)
SQUEEZED = 120


def _rect(w: Any) -> tuple[float, float, float, float]:
    x, y = w.to_window(*w.pos)
    return x, y, x + w.width, y + w.height


def _name(w: Any) -> str:
    text = getattr(w, "text", "")
    label = f" {text[:30]!r}" if isinstance(text, str) and text else ""
    return f"{w.__class__.__name__}{label}@{tuple(round(v) for v in _rect(w))}"


def _inside(inner: tuple, outer: tuple) -> bool:
    return (
        inner[0] >= outer[0] - SLACK
        and inner[1] >= outer[1] - SLACK
        and inner[2] <= outer[2] + SLACK
        and inner[3] <= outer[3] + SLACK
    )


def _overlap(a: tuple, b: tuple) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > SLACK and min(a[3], b[3]) - max(a[1], b[1]) > SLACK


def drawn_widgets(root: Any) -> list[Any]:
    """Widgets drawn on screen, outside anything that scrolls or clips."""
    from kivy.uix.stencilview import StencilView

    out: list[Any] = []

    def visit(w: Any) -> None:
        if w.opacity <= 0 or w.width <= 0 or w.height <= 0:
            return
        out.append(w)
        if isinstance(w, StencilView):
            return  # its content may extend past it: it scrolls or is clipped
        for child in w.children:
            visit(child)

    visit(root)
    return out


def layout_problems(root: Any, window_size: tuple[int, int]) -> list[str]:
    from kivy.uix.button import Button
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView
    from kivy.uix.textinput import TextInput

    window = (0.0, 0.0, float(window_size[0]), float(window_size[1]))
    widgets = drawn_widgets(root)
    drawn = {id(w) for w in widgets}
    problems = []
    for w in widgets:
        r = _rect(w)
        if not _inside(r, window):
            problems.append(f"{_name(w)} leaves the window: {tuple(round(v) for v in r)}")
        parent = w.parent
        if parent is not None and id(parent) in drawn and not _inside(r, _rect(parent)):
            problems.append(f"{_name(w)} leaves its parent {_name(parent)}")
        if isinstance(w, Label) and w.text and w.texture_size[1] > 0:
            tw, th = w.texture_size
            if th > w.height + SLACK or (w.text_size[0] is not None and tw > w.width + SLACK):
                problems.append(
                    f"{_name(w)} is cut: text {tw}x{th} in {w.width:.0f}x{w.height:.0f}"
                )
        if isinstance(w, ScrollView) and w.children:
            # squeezed to a sliver: it cannot be cut, yet shows next to nothing of its content
            content = w.children[0].height
            if content > SLACK and w.height < min(content, SQUEEZED):
                problems.append(f"{_name(w)} shows {w.height:.0f} of its {content:.0f} px")
    interactive = [w for w in widgets if isinstance(w, Button | TextInput)]
    for i, a in enumerate(interactive):
        for b in interactive[i + 1 :]:
            if _overlap(_rect(a), _rect(b)):
                problems.append(f"{_name(a)} overlaps {_name(b)}")
    return problems
