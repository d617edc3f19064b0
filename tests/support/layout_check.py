"""What "laid out right" means for a screen, measured on the real widgets.

``layout_problems(root, window_size)`` walks the widgets drawn on the screen (opacity > 0, a
size of their own) and names every one that leaves its parent or the window, every label or
button whose text is taller or wider than the widget it is drawn in (cut), every scrolling list
squeezed to a sliver of its content, and every two interactive widgets (buttons, fields) that
overlap. What a ScrollView holds is checked as it shows at this frame (``scrolled_problems``):
a field that cannot show its whole text, a label cut by its own box or by the view's edge, a
button or field of a column scrolled out of sight, content taller than the view that cannot
be scrolled to.
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
        problems += text_problems(w)
        if isinstance(w, ScrollView) and w.children:
            # squeezed to a sliver: it cannot be cut, yet shows next to nothing of its content
            content = w.children[0].height
            if content > SLACK and w.height < min(content, SQUEEZED):
                problems.append(f"{_name(w)} shows {w.height:.0f} of its {content:.0f} px")
            problems += scrolled_problems(w)
    interactive = [w for w in widgets if isinstance(w, Button | TextInput)]
    for i, a in enumerate(interactive):
        for b in interactive[i + 1 :]:
            if _overlap(_rect(a), _rect(b)):
                problems.append(f"{_name(a)} overlaps {_name(b)}")
    return problems


def text_needs(w: Any) -> tuple[float, float]:
    """The room a label's text takes laid out at the width it wraps at, with no height limit
    (with a text_size of its full box Kivy draws only the lines that fit, so its texture never
    shows what was cut)."""
    from kivy.core.text import Label as CoreLabel
    from kivy.core.text.markup import MarkupLabel

    options = dict(w._label.options)
    options["text_size"] = (w.text_size[0], None)
    core = (MarkupLabel if w.markup else CoreLabel)(**options)
    core.text = w.text
    core.render()
    return core._internal_size


def field_problems(field: Any) -> list[str]:
    """A field that shows only part of what is typed in it: it scrolls sideways, and the
    visitor cannot check the start of their phone number; or it wraps onto more lines than it
    is tall. (The caller picks the fields whose longest value must show whole.)"""
    if field.text and not field.multiline and field.get_max_scroll_x() > SLACK:
        return [
            f"{_name(field)} shows {field.width:.0f} px of its text's "
            f"{field.width + field.get_max_scroll_x():.0f}: the visitor cannot see all of it"
        ]
    if field.text and field.multiline and field.minimum_height > field.height + SLACK:
        return [
            f"{_name(field)} shows {field.height:.0f} px of its {len(field._lines)} lines' "
            f"{field.minimum_height:.0f}: the visitor cannot see all of it"
        ]
    return []


def text_problems(w: Any) -> list[str]:
    """A label's or button's text cut by its own box, at the bottom or at a side (a word
    wider than the box included)."""
    from kivy.uix.label import Label

    if not isinstance(w, Label) or not w.text or w.texture_size[1] <= 0 or w.shorten:
        return []
    tw, th = w.texture_size
    if w.text_size[0] is not None:
        nw, nh = text_needs(w)
        tw, th = max(tw, nw), max(th, nh)
    if th > w.height + SLACK or tw > w.width + SLACK:
        return [f"{_name(w)} is cut: text {tw:.0f}x{th:.0f} in {w.width:.0f}x{w.height:.0f}"]
    return []


def _in_view(view: Any) -> list[Any]:
    """What a ScrollView holds and draws, nested scroll views left to their own check."""
    from kivy.uix.stencilview import StencilView

    out: list[Any] = []

    def visit(w: Any) -> None:
        if w.opacity <= 0 or w.width <= 0 or w.height <= 0:
            return
        out.append(w)
        if not isinstance(w, StencilView):
            for child in w.children:
                visit(child)

    for child in view.children:
        visit(child)
    return out


def _in_list(w: Any, view: Any) -> bool:
    """A choice in a list (a grid of purposes, a column of search results): a list may run
    past the view's edge, that is how a visitor sees it scrolls."""
    from kivy.uix.gridlayout import GridLayout

    if hasattr(w, "result"):  # a host search result (HostResult in steps.kv)
        return True
    p = w.parent
    while p is not None and p is not view:
        if isinstance(p, GridLayout):
            return True
        p = p.parent
    return False


def scrolled_problems(view: Any) -> list[str]:
    """What a ScrollView shows at this frame (the first frame a visitor sees). A field or a
    button of a column (``ScrollColumn``: a step's form, its Next and its other ways on) is
    in sight, none of it scrolled away or cut by the column's edge; a label the view cuts
    across at its top or bottom is a line the visitor sees half of; content taller than the
    view can be scrolled to; and every field and label in sight shows its whole text."""
    from kivy.uix.button import Button
    from kivy.uix.label import Label
    from kivy.uix.textinput import TextInput

    from kiosk.widgets.scroll_column import ScrollColumn

    problems: list[str] = []
    content = view.children[0] if view.children else None
    if content is None:
        return problems
    frame = _rect(view)
    if content.height > view.height + SLACK and not view.do_scroll_y:
        problems.append(
            f"{_name(view)} cannot scroll to {content.height - view.height:.0f} px of its content"
        )
    for w in _in_view(view):
        r = _rect(w)
        seen = _overlap(r, frame)
        if w is not content and not _inside(r, _rect(w.parent)):
            problems.append(f"{_name(w)} leaves its parent {_name(w.parent)}")
        if seen:
            problems += text_problems(w)
        interactive = isinstance(w, Button | TextInput)
        if isinstance(view, ScrollColumn) and interactive and not _in_list(w, view):
            if not _inside(r, frame):
                where = "cut by" if seen else "scrolled out of"
                problems.append(f"{_name(w)} {where} {_name(view)} at the first frame")
        elif seen and isinstance(w, Label) and _in_row(w):
            cut = _first_line_cut(w, frame)
            beside = [c for c in _row_labels(w.parent) if c is not w]
            if cut and any(not _first_line_cut(c, frame) for c in beside):
                problems.append(f"{_name(w)} shows {cut} of {_name(view)}, beside a whole one")
    return problems


def _row_labels(row: Any) -> list[Any]:
    from kivy.uix.label import Label

    return [c for c in row.children if isinstance(c, Label) and not hasattr(c, "state")]


def _in_row(w: Any) -> bool:
    """A label beside another in a row (a summary's "Host" beside its value): read with the
    value's first line."""
    from kivy.uix.boxlayout import BoxLayout

    p = w.parent
    return isinstance(p, BoxLayout) and p.orientation == "horizontal" and len(_row_labels(p)) > 1


def _first_line_cut(w: Any, frame: tuple) -> str:
    """Whether a label that starts in sight has its first line cut by the view's bottom edge.
    A row the edge crosses as a whole is only partly scrolled into sight (the view scrolls to
    the rest); a row whose value's first line shows while its label's is cut (the label
    centred beside a taller value) reads as a broken label, the caller's problem. A few pixels
    of a line's box are its leading, not its letters."""
    if not w.text or w.texture_size[1] <= 0 or w.shorten:
        return ""
    y1 = _rect(w)[3]
    if y1 > frame[3] + SLACK or y1 < frame[1]:
        return ""  # it starts above the view or below it, out of sight
    lines = getattr(w._label, "_cached_lines", None) or []
    nh = text_needs(w)[1] if w.text_size[0] is not None else w.texture_size[1]
    first = lines[0].h if lines else nh
    room = max(0.0, w.height - nh)  # nh holds the padding, top and bottom
    top = y1 - w.padding[1] - {"top": 0.0, "bottom": room}.get(w.valign, room / 2)
    if top - first < frame[1] - max(SLACK, 0.15 * first):
        return f"its first line cut by the bottom edge (line {top - first:.0f}..{top:.0f})"
    return ""
