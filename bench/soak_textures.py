"""Which textures the kiosk holds, and who holds each: the soak's diagnosis of texture growth.

``holders(app)`` maps each live texture (by ``id``) to what holds it: a widget's ``texture``
property or its core label, a canvas instruction of a widget (``Rectangle`` of a ``Label``…),
an entry of one of Kivy's caches (``kv.texture``, ``kv.image``, ``kv.atlas``, ``kv.loader``…,
with its key), an atlas, or a larger texture it is a region of. ``describe`` says one texture:
its size, colour format, its holders, and the types that refer to it directly
(``gc.get_referrers``) when nothing above claims it.
"""

from __future__ import annotations

import gc
import re
from collections import Counter, defaultdict
from typing import Any


def _instructions(group: Any) -> list[Any]:
    """Every instruction of a canvas or instruction group, nested groups too."""
    from kivy.graphics import Canvas

    found: list[Any] = []
    stack = [group]
    while stack:
        node = stack.pop()
        for child in getattr(node, "children", None) or []:
            found.append(child)
            if not isinstance(child, Canvas):  # a child widget's canvas is that widget's
                stack.append(child)
    return found


def _widget_name(widget: Any) -> str:
    name = type(widget).__name__
    text = getattr(widget, "text", None)
    if isinstance(text, str) and text:
        name += f"({text[:24]!r})"
    source = getattr(widget, "source", None)
    if isinstance(source, str) and source:
        name += f"[{source}]"
    screen = widget
    while screen is not None and type(screen).__name__ not in ("Window", "WindowSDL"):
        if getattr(screen, "name", None) and hasattr(screen, "manager"):
            return f"{name} in screen {screen.name!r}"
        screen = screen.parent
    return name


def holders(app: Any) -> dict[int, list[str]]:
    """What holds each texture of the kiosk's widgets, Kivy's caches and atlases, by id."""
    from kivy.cache import Cache
    from kivy.graphics.texture import Texture

    held: dict[int, list[str]] = defaultdict(list)

    def claim(texture: Any, holder: str) -> None:
        if isinstance(texture, Texture):
            held[id(texture)].append(holder)

    seen: set[int] = set()
    for root in [*app.root_window.children, *app.screens()]:
        for w in root.walk(restrict=False):
            if id(w) in seen:
                continue
            seen.add(id(w))
            name = _widget_name(w)
            claim(getattr(w, "texture", None), f"{name}.texture")
            core = getattr(w, "_label", None)
            claim(getattr(core, "texture", None), f"{name}._label.texture")
            for part in ("canvas.before", "canvas", "canvas.after"):
                canvas = w
                for attr in part.split("."):
                    canvas = getattr(canvas, attr, None)
                for instruction in _instructions(canvas):
                    claim(
                        getattr(instruction, "texture", None),
                        f"{name}.{part} {type(instruction).__name__}",
                    )
    for category, entries in Cache._objects.items():
        for key, entry in list(entries.items()):
            value = entry.get("object")
            where = f"Cache {category!r} key {str(key)[:60]!r}"
            claim(value, where)
            claim(getattr(value, "texture", None), f"{where} .texture")
            for image in getattr(value, "textures", None) or []:  # a CoreImage's frames
                claim(image, f"{where} frame")
            atlas = getattr(value, "textures", None)
            if isinstance(atlas, dict):
                for name, tex in atlas.items():
                    claim(tex, f"{where} atlas page {name!r}")
    for obj in gc.get_objects():
        if isinstance(obj, Texture):
            owner = getattr(obj, "owner", None)
            if owner is not None and owner is not obj:
                claim(obj, f"region of a {owner.width}x{owner.height} texture")
    return dict(held)


def _function_of(cell: Any) -> str:
    """The function (module and name) whose closure holds ``cell``, and who holds it."""
    import types

    for ref in gc.get_referrers(cell):
        if not isinstance(ref, tuple):
            continue
        for fn in gc.get_referrers(ref):
            if isinstance(fn, types.FunctionType) and fn.__closure__ is ref:
                code = fn.__code__
                where = (
                    f"{fn.__module__}.{fn.__qualname__} ({code.co_filename}:{code.co_firstlineno})"
                )
                owners = sorted({type(o).__qualname__ for o in gc.get_referrers(fn)})
                return f"closure of {where}, held by {', '.join(owners) or 'nothing'}"
    return "a closure"


def describe(texture: Any, held: dict[int, list[str]], ignore: tuple[Any, ...] = ()) -> str:
    """One texture: size, format, and what holds it (or what refers to it, if nothing does);
    ``ignore``: the caller's own lists of textures, not referrers worth naming."""
    head = f"{type(texture).__name__} {texture.width}x{texture.height} {texture.colorfmt}"
    names = held.get(id(texture))
    if names:
        return f"{head}: " + "; ".join(sorted(set(names)))
    mine = {id(o) for o in ignore}
    referrers = []
    for ref in gc.get_referrers(texture):
        if id(ref) in mine or type(ref).__name__ == "frame":
            continue
        if isinstance(ref, dict):
            keys = [k for k, v in ref.items() if v is texture][:3]
            owners = [type(o).__qualname__ for o in gc.get_referrers(ref) if o is not ignore]
            referrers.append(f"dict[{', '.join(map(repr, keys))}] of {owners[:3]}")
        elif type(ref).__name__ == "cell":
            referrers.append(_function_of(ref))
        else:
            referrers.append(type(ref).__qualname__)
    return f"{head}: held by nothing named; referred to by {'; '.join(referrers) or 'nothing'}"


def live_textures() -> list[Any]:
    from kivy.graphics.texture import Texture

    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, Texture)]


class Census:
    """The textures alive at one point (described), to name the ones that came after it."""

    def __init__(self) -> None:
        self.marked: dict[int, str] = {}

    @staticmethod
    def take(app: Any) -> dict[int, str]:
        held = holders(app)
        textures = live_textures()
        return {id(t): describe(t, held, (textures,)) for t in textures}

    def mark(self, app: Any) -> None:
        self.marked = self.take(app)

    def compare(self, app: Any) -> dict[str, Any]:
        """Counts then and now, and the textures of the places that hold more (``new``) or
        fewer (``gone``) now. A place is a description less its texts and size: a label
        drawing another text gets a new texture in the same place, which is no growth."""
        now = self.take(app)
        before, after = (
            Counter(map(_place, self.marked.values())),
            Counter(map(_place, now.values())),
        )
        more, fewer = after - before, before - after
        return {
            "before": len(self.marked),
            "after": len(now),
            "new": sorted(d for d in set(now.values()) if _place(d) in more),
            "gone": sorted(d for d in set(self.marked.values()) if _place(d) in fewer),
        }


def _place(description: str) -> str:
    """Where a texture is held, less the texts of the widgets and its size."""
    holder = description.split(": ", 1)[-1]
    return re.sub(r"\('(?:[^'\\]|\\.)*'\)|\(\"(?:[^\"\\]|\\.)*\"\)|'\d\d:\d\d'", "", holder)
