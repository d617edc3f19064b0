"""A QR code on screen: set ``data`` and the code appears (empty ``data``: nothing shown).

The code is made with the ``qrcode`` package on the shell's background thread
(``kiosk.shell.background``) and comes back to the UI thread; a newer ``data`` set meanwhile
wins. One pixel per module,
scaled up with nearest-neighbour filtering, so the modules stay sharp at any widget size.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.image import Image

from kiosk.shell.background import background
from kiosk.widgets.mapview import texture_from

#: quiet zone around the code, in modules (the standard asks for 4; the widget's white
#: background adds to it)
BORDER = 2


def qr_image(data: str) -> Any:
    """The code for ``data`` as a small Pillow image, one pixel per module."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=1, border=BORDER)
    code.add_data(data)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


class QrCode(Image):
    data = StringProperty("")
    #: the Pillow image on show (None while empty or being made)
    image = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: Any) -> None:
        self._generation = 0
        super().__init__(**kwargs)
        self.fit_mode = "contain"

    def on_data(self, _widget: Any, data: str) -> None:
        self._generation += 1
        generation = self._generation
        self.image = None
        self.texture = None
        if not data:
            return

        background().run(
            f"qr-code-{id(self):x}", lambda: qr_image(data), lambda im: self._made(generation, im)
        )

    def _made(self, generation: int, image: Any) -> None:
        if generation != self._generation:
            return
        texture = texture_from(image)
        texture.mag_filter = "nearest"
        texture.min_filter = "nearest"
        self.image = image
        self.texture = texture
