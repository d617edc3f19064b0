"""Telling a USB/HID barcode scanner from a person typing, by timing alone.

A 2D scanner in keyboard mode "types" its whole code in a burst (a few milliseconds per
character) and ends with Enter; a person types far slower. Feed every character with the
time it arrived; ``enter()`` returns the code when the characters before it came as a burst.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ScanDetector:
    #: the longest gap between two characters of one scan, seconds
    max_gap: float = 0.05
    #: shorter bursts are treated as typing
    min_length: int = 4
    max_length: int = 256
    _chars: list[str] = field(default_factory=list)
    _last: float | None = None

    def feed(self, text: str, at: float) -> None:
        """One or more characters typed at monotonic time ``at``."""
        if self._last is not None and at - self._last > self.max_gap:
            self._chars.clear()
        self._chars.extend(text)
        del self._chars[: -self.max_length]
        self._last = at

    def enter(self, at: float) -> str | None:
        """Enter pressed: the scanned code, or None when this was human typing."""
        chars, last = list(self._chars), self._last
        self._chars.clear()
        self._last = None
        if last is None or at - last > self.max_gap or len(chars) < self.min_length:
            return None
        code = "".join(chars).strip()
        return code if len(code) >= self.min_length and code.isprintable() else None

    def reset(self) -> None:
        self._chars.clear()
        self._last = None
