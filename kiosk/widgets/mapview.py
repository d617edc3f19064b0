"""A floor map a visitor can pinch to zoom and drag to pan; it shows a picture, nothing more.

The picture is a Pillow image drawn by ``kiosk.core.wayfinding.maps.render_floor``; the widget turns
it into a texture when ``image`` changes and puts the view back to "whole floor" each time. Zoom is
limited to 1×–4× and the map cannot be dragged out of sight.
"""

from __future__ import annotations

import os
from typing import Any

from kivy.graphics.texture import Texture
from kivy.lang import Builder
from kivy.properties import NumericProperty, ObjectProperty
from kivy.uix.scatter import Scatter
from kivy.uix.stencilview import StencilView

Builder.load_file(os.path.join(os.path.dirname(__file__), "mapview.kv"))


def texture_from(image: Any) -> Texture:
    """A Kivy texture of a Pillow image (RGB or RGBA), the right way up."""
    mode = "rgba" if image.mode == "RGBA" else "rgb"
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGB")
    texture = Texture.create(size=image.size, colorfmt=mode)
    texture.blit_buffer(image.tobytes(), colorfmt=mode, bufferfmt="ubyte")
    texture.flip_vertical()
    return texture


class MapScatter(Scatter):
    """A scatter that keeps at least part of the map inside its window."""

    def on_transform_with_touch(self, touch: Any) -> None:
        parent = self.parent
        if parent is None:
            return
        keep = 0.25  # a quarter of the map stays visible
        scatter: Any = self  # Scatter's pos is Kivy's alias property: no type mypy can follow
        x, y = scatter.pos
        w, h = self.bbox[1]
        x = min(max(x, parent.x - w * (1 - keep)), parent.right - w * keep)
        y = min(max(y, parent.y - h * (1 - keep)), parent.top - h * keep)
        if (x, y) != tuple(scatter.pos):
            scatter.pos = (x, y)


class MapView(StencilView):
    #: the Pillow image to show (None: empty)
    image = ObjectProperty(None, allownone=True)
    texture = ObjectProperty(None, allownone=True)
    zoom = NumericProperty(1.0)

    def on_image(self, _widget: Any, image: Any) -> None:
        self.texture = texture_from(image) if image is not None else None
        self.reset_view()

    def sharpen(self, image: Any) -> None:
        """Swap in a finer drawing of the same map without moving the view (after a zoom)."""
        self.texture = texture_from(image)

    def on_size(self, *_: Any) -> None:
        self.reset_view()

    def on_pos(self, *_: Any) -> None:
        self.reset_view()

    def reset_view(self) -> None:
        """The whole floor, unzoomed, filling the widget."""
        scatter = self.ids.get("scatter")
        if scatter is None:
            return
        scatter.scale = 1.0
        scatter.size = self.size
        scatter.pos = self.pos

    def zoom_by(self, factor: float) -> None:
        """Zoom about the centre (the + and − buttons, for those who do not pinch)."""
        scatter = self.ids.scatter
        scale = min(scatter.scale_max, max(scatter.scale_min, scatter.scale * factor))
        cx, cy = self.center
        local = scatter.to_local(cx, cy)
        scatter.scale = scale
        nx, ny = scatter.to_parent(*local)
        scatter.pos = (scatter.x + cx - nx, scatter.y + cy - ny)
        self.zoom = scale
