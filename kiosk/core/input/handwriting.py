"""Handwriting recognition: strokes in, likely characters out, through Zinnia and templates.

Zinnia (Debian ``libzinnia0``) with the ``tegaki-zinnia-simplified-chinese`` model is driven
through ctypes; nothing is compiled. Its first :data:`ZINNIA_CANDIDATES` guesses and the
:data:`COARSE_CANDIDATES` nearest stroke templates by direction histogram
(:mod:`kiosk.core.input.stroke_templates`: the 3,500 common characters and name characters)
are ranked by how closely the written strokes match each template, stroke by stroke; Zinnia's
guesses without a template follow in Zinnia's order. When a template matches closely and
clearly, Zinnia is not asked at all. Where the library or the model
is missing, :func:`load_recognizer` returns None and the kiosk simply hides its writing pad::

    recognizer = load_recognizer()
    if recognizer is not None:
        recognizer.classify([[(10, 50), (90, 50)], [(50, 10), (50, 90)]])  # [Guess("十", …), …]

Strokes are lists of (x, y) points on a square of ``size`` (y grows downwards, as Zinnia and
the stroke data of Make Me a Hanzi expect). Classifying one character takes about 4 ms of
CPU when a template matches clearly and about 11 ms when Zinnia is asked too (Zinnia alone
about 7), so the pad classifies after every stroke on the UI thread. Never imports Kivy.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.input.stroke_features import prepare
from kiosk.core.input.stroke_templates import TemplateMatcher

log = logging.getLogger(__name__)

#: where Debian's tegaki-zinnia-simplified-chinese puts its model
DEFAULT_MODEL = Path("/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model")
_LIBRARY_NAMES = ("libzinnia.so.0", "libzinnia.so")
#: Zinnia's guesses and the coarse stage's templates the fine match ranks (chosen on the
#: tuning writing of ``bench/handwriting_synth.py``, never the benchmark's)
ZINNIA_CANDIDATES = 10
COARSE_CANDIDATES = 30
#: where a guess of Zinnia's has no comparable template it ranks as if this far away
NO_TEMPLATE = 0.25
#: a nearest template closer than SURE and CLEAR ahead of the next is taken without Zinnia
#: (on the tuning writing: Zinnia asked for about a quarter of characters, no guess lost)
SURE = 0.08
CLEAR = 0.01

Stroke = Sequence[tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Guess:
    """One recognised character (``score``: higher is likelier); ``consumed`` is 0 (nothing
    typed is replaced)."""

    text: str
    score: float
    consumed: int = 0
    stroke_based: bool = True


def _library() -> ctypes.CDLL | None:
    names = list(_LIBRARY_NAMES)
    found = ctypes.util.find_library("zinnia")
    if found:
        names.insert(0, found)
    for name in names:
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        _declare(lib)
        return lib
    return None


def _declare(lib: ctypes.CDLL) -> None:
    p = ctypes.c_void_p
    lib.zinnia_recognizer_new.restype = p
    lib.zinnia_recognizer_open.argtypes = [p, ctypes.c_char_p]
    lib.zinnia_recognizer_open.restype = ctypes.c_int
    lib.zinnia_recognizer_classify.argtypes = [p, p, ctypes.c_size_t]
    lib.zinnia_recognizer_classify.restype = p
    lib.zinnia_recognizer_destroy.argtypes = [p]
    lib.zinnia_character_new.restype = p
    lib.zinnia_character_set_width.argtypes = [p, ctypes.c_size_t]
    lib.zinnia_character_set_height.argtypes = [p, ctypes.c_size_t]
    lib.zinnia_character_clear.argtypes = [p]
    lib.zinnia_character_add.argtypes = [p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int]
    lib.zinnia_character_add.restype = ctypes.c_int
    lib.zinnia_character_destroy.argtypes = [p]
    lib.zinnia_result_value.argtypes = [p, ctypes.c_size_t]
    lib.zinnia_result_value.restype = ctypes.c_char_p
    lib.zinnia_result_score.argtypes = [p, ctypes.c_size_t]
    lib.zinnia_result_score.restype = ctypes.c_float
    lib.zinnia_result_size.argtypes = [p]
    lib.zinnia_result_size.restype = ctypes.c_size_t
    lib.zinnia_result_destroy.argtypes = [p]


class Recognizer:
    """One Zinnia recogniser with its model loaded; :meth:`classify` is thread-safe."""

    def __init__(
        self, lib: ctypes.CDLL, model: Path, templates: TemplateMatcher | None = None
    ) -> None:
        self._lib = lib
        self._templates = templates
        self._recognizer = lib.zinnia_recognizer_new()
        if not lib.zinnia_recognizer_open(self._recognizer, str(model).encode()):
            lib.zinnia_recognizer_destroy(self._recognizer)
            raise OSError(f"zinnia could not open {model}")
        self._character = lib.zinnia_character_new()
        self._lock = threading.Lock()

    def classify(self, strokes: Sequence[Stroke], *, size: int = 300, n: int = 10) -> list[Guess]:
        """The ``n`` likeliest characters for the strokes so far, best first.

        The templates are ranked first; when the nearest is close (:data:`SURE`) and clearly
        ahead of the next (:data:`CLEAR`), Zinnia is not asked (it costs most of the time)."""
        templates = self._templates
        written = prepare(strokes) if templates is not None else []
        if templates is None or not written:
            return self.classify_zinnia(strokes, size=size, n=n)
        ranked = templates.rank(written, templates.coarse(written, COARSE_CANDIDATES))
        if (
            len(ranked) >= max(n, 2)
            and ranked[0][0] < SURE
            and ranked[1][0] - ranked[0][0] >= CLEAR
        ):
            return [Guess(text, -d) for d, text in ranked[:n]]
        zinnia = self.classify_zinnia(strokes, size=size, n=max(n, ZINNIA_CANDIDATES))
        distances = {text: d for d, text in ranked}
        extra = [g.text for g in zinnia[:ZINNIA_CANDIDATES] if g.text not in distances]
        distances.update((text, d) for d, text in templates.rank(written, extra))
        order = {g.text: i for i, g in enumerate(zinnia)}
        scored = sorted(
            (distances.get(text, NO_TEMPLATE), order.get(text, len(order)), text)
            for text in dict.fromkeys([*distances, *order])
        )
        return [Guess(text, -d) for d, _, text in scored[:n]]

    def classify_zinnia(
        self, strokes: Sequence[Stroke], *, size: int = 300, n: int = 10
    ) -> list[Guess]:
        """Zinnia's ``n`` likeliest characters alone (no templates), best first."""
        points = [
            (i, [(x, y) for x, y in s if math.isfinite(x) and math.isfinite(y)])
            for i, s in enumerate(strokes)
        ]
        points = [(i, s) for i, s in points if s]
        if not points:
            return []
        lib = self._lib
        with self._lock:
            c = self._character
            lib.zinnia_character_clear(c)
            lib.zinnia_character_set_width(c, size)
            lib.zinnia_character_set_height(c, size)
            for stroke_id, (_i, stroke) in enumerate(points):
                for x, y in stroke:
                    # Zinnia takes C ints: clamp to the pad (a touch can stray outside it)
                    px = min(max(round(x), -size), 2 * size)
                    py = min(max(round(y), -size), 2 * size)
                    lib.zinnia_character_add(c, stroke_id, px, py)
            result = lib.zinnia_recognizer_classify(self._recognizer, c, n)
            if not result:
                return []
            try:
                count = lib.zinnia_result_size(result)
                guesses = []
                for i in range(count):
                    value = lib.zinnia_result_value(result, i)
                    if value:
                        text = value.decode("utf-8", "replace")
                        guesses.append(Guess(text, float(lib.zinnia_result_score(result, i))))
                return guesses
            finally:
                lib.zinnia_result_destroy(result)

    def close(self) -> None:
        with self._lock:
            if self._recognizer:
                self._lib.zinnia_character_destroy(self._character)
                self._lib.zinnia_recognizer_destroy(self._recognizer)
                self._recognizer = None


_shared: Recognizer | None = None
_shared_lock = threading.Lock()
_tried = False


def _templates() -> TemplateMatcher | None:
    try:
        return TemplateMatcher.load()
    except OSError as e:  # a kiosk without the templates still has Zinnia
        log.warning("handwriting templates not loaded: %s", e)
        return None


def load_recognizer(model: Path = DEFAULT_MODEL) -> Recognizer | None:
    """The process's recogniser, or None when Zinnia or its model is not installed (logged
    once: the kiosk works without handwriting)."""
    global _shared, _tried
    with _shared_lock:
        if _tried and model == DEFAULT_MODEL:
            return _shared
        lib = _library()
        recognizer = None
        if lib is None:
            log.info("handwriting off: libzinnia0 is not installed")
        elif not model.is_file():
            log.info("handwriting off: no model at %s (tegaki-zinnia-simplified-chinese)", model)
        else:
            try:
                recognizer = Recognizer(lib, model, _templates())
            except OSError as e:
                log.warning("handwriting off: %s", e)
        if model == DEFAULT_MODEL:
            _shared, _tried = recognizer, True
        return recognizer
