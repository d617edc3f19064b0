"""Configure Kivy before it creates its window. Import this before anything from kivy.

Kivy reads most of its window options once, when ``kivy.core.window`` is first imported, so
every setting that locks the kiosk down (full screen, no Escape, no multitouch dots, no
cursor, no screen saver) is applied here, ahead of that import.

It also decides what reaches standard error (under systemd that is the journal): warnings and
errors always, one line each, while Kivy's log file keeps everything from info up with
tracebacks; ``KIOSK_DEBUG=1`` turns on Kivy's own console log at debug level. And it opens
the window, or says in one line why there is none.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path

from kiosk.core.config.errors import KioskError

NO_DISPLAY = (
    "no display: set DISPLAY, or SDL_VIDEODRIVER=kmsdrm on a Raspberry Pi without a desktop"
)
#: how long the window may take to open before the kiosk gives up on the display
WINDOW_TIMEOUT = 10.0

#: level of the kiosk's own console log; None when Kivy's (KIOSK_DEBUG) or none is used
_console_level: int | None = None


class NoDisplayError(KioskError):
    """There is no screen to draw on (no display server, no SDL video driver)."""


def debug_enabled() -> bool:
    return os.environ.get("KIOSK_DEBUG", "") not in ("", "0")


def prepare_environment(
    *, offscreen: bool = False, kivy_home: Path | None = None, file_log: bool | None = None
) -> None:
    """Environment Kivy reads at import; ``file_log`` defaults to on unless offscreen."""
    global _console_level
    from kiosk.shell.memory import limit_fragmentation

    limit_fragmentation()  # before any thread: glibc's arenas are made per thread
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    _console_level = None
    if not debug_enabled() and "KIVY_NO_CONSOLELOG" not in os.environ:
        # Kivy's console handler would show its info lines; ours shows warnings and errors
        os.environ["KIVY_NO_CONSOLELOG"] = "1"
        _console_level = logging.WARNING
    os.environ.setdefault("KIVY_USE_DEFAULTCONFIG", "1")
    # SDL would turn SIGTERM/SIGINT into a window close request, which the lock-down refuses:
    # the process must stay stoppable (systemd, Ctrl+C), so Python handles the signals itself
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
    # a kiosk has no use for a clipboard, and probing xclip/xsel fails on a bare machine
    os.environ.setdefault("KIVY_CLIPBOARD", "dummy")
    if kivy_home is not None:
        os.environ.setdefault("KIVY_HOME", str(kivy_home))
    if offscreen:
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
        os.environ.pop("DISPLAY", None)
        if not file_log:
            os.environ.setdefault("KIVY_NO_FILELOG", "1")


def configure_kivy(*, size: tuple[int, int] | None, fullscreen: bool) -> None:
    """Window and input options; ``size`` None means the screen's own size."""
    from kivy.config import Config

    debug = debug_enabled()
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "log_level", "debug" if debug else "info")
    logging.root.setLevel(logging.DEBUG if debug else logging.INFO)
    if _console_level is not None:
        _add_console_log(_console_level)
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("graphics", "allow_screensaver", "0")
    Config.set("graphics", "multisamples", "0")
    if fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")
        Config.set("graphics", "show_cursor", "0")
    else:
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "borderless", "0")
    if size is not None:
        Config.set("graphics", "width", str(size[0]))
        Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "resizable", "0" if fullscreen else "1")


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(x) for x in text.lower().split("x"))
    except ValueError as e:
        raise ValueError(f"window size must look like 1920x1080, got {text!r}") from e
    if not (200 <= width <= 10000 and 200 <= height <= 10000):
        raise ValueError(f"window size out of range: {text!r}")
    return width, height


class _OneLineFormatter(logging.Formatter):
    """``[WARNING] message (OSError: cause)``: the traceback stays in the log file."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({describe(record.exc_info[1])})"
        return f"[{record.levelname:<7}] {text}"


def _add_console_log(level: int) -> None:
    from kivy.logger import ConsoleHandler

    class Console(ConsoleHandler):
        def filter(self, record: logging.LogRecord) -> bool:
            if getattr(record, "quiet", False):
                return False  # a crash is told in one line of its own (report_crash)
            if isinstance(record.msg, str) and record.msg.startswith("stderr: "):
                self.stream.write(record.msg.removeprefix("stderr: ") + "\n")  # as written
                return False
            return True

    for handler in logging.root.handlers:
        if getattr(handler, "kiosk_console", False):
            handler.setLevel(level)
            return
    # Kivy has replaced sys.stderr by a stream that logs each line at warning level (so
    # Python's warnings and stray prints reach this handler): write to the real one
    handler = Console(sys.__stderr__)
    handler.kiosk_console = True
    handler.setLevel(level)
    handler.setFormatter(_OneLineFormatter())
    logging.root.addHandler(handler)


def describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def check_display() -> None:
    """Refuse at once when SDL has nothing to draw on (Linux: no X, no Wayland, no driver)."""
    if not sys.platform.startswith("linux"):
        return
    if not any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")):
        raise NoDisplayError(NO_DISPLAY)


def open_window(timeout: float = WINDOW_TIMEOUT) -> object:
    """Create Kivy's window, or raise NoDisplayError; a window that does not open within
    ``timeout`` seconds (a display that never answers) ends the process with the message."""
    check_display()
    opened = threading.Event()

    def watchdog() -> None:
        if not opened.wait(timeout):
            # the main thread is stuck inside SDL: nothing to unwind, say why and leave
            _error_line(f"kiosk: {NO_DISPLAY} (the window did not open within {timeout:.0f} s)")
            os._exit(1)

    threading.Thread(target=watchdog, name="window-watchdog", daemon=True).start()
    try:
        from kivy.core.window import Window
    finally:
        opened.set()
    if Window is None:
        path = log_file()
        raise NoDisplayError(NO_DISPLAY + (f" (details in {path})" if path else ""))
    driver = sdl_video_driver()
    if driver == "offscreen" and os.environ.get("SDL_VIDEODRIVER") != "offscreen":
        # SDL falls back to drawing into memory when no display answers: a kiosk nobody sees
        tried = ", ".join(
            f"{v}={os.environ[v]}"
            for v in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")
            if os.environ.get(v)
        )
        raise NoDisplayError(f"{NO_DISPLAY} ({tried or 'nothing'} could not be opened)")
    return Window


def sdl_video_driver() -> str | None:
    """The video driver SDL chose in this process (Linux; None when it cannot be asked)."""
    import ctypes

    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "libSDL2-2" in line}
        if len(paths) != 1:
            return None
        sdl = ctypes.CDLL(paths.pop())
        sdl.SDL_GetCurrentVideoDriver.restype = ctypes.c_char_p
        name = sdl.SDL_GetCurrentVideoDriver()
    except (OSError, AttributeError):
        return None
    return name.decode() if name else None


def log_file() -> str | None:
    """Path of Kivy's log file for this run, when there is one."""
    if "kivy.logger" not in sys.modules:
        return None
    from kivy.logger import FileHandler

    return FileHandler.filename if FileHandler.fd not in (None, False) else None


def report_crash(exc: BaseException) -> int:
    """An unexpected exception ended the kiosk: the traceback to the log file, one line (and
    where the traceback is) to standard error. Returns the exit status."""
    logger = logging.getLogger("kiosk")
    logger.critical("the kiosk stopped on an unexpected error", exc_info=exc, extra={"quiet": 1})
    path = log_file()
    where = f"; the traceback is in {path}" if path else ""
    _error_line(f"kiosk: stopped by an unexpected error: {describe(exc)}{where}")
    if not path:
        import traceback

        traceback.print_exception(exc, file=sys.__stderr__)
    return 1


def _error_line(text: str) -> None:
    stream = sys.__stderr__
    if stream is not None:
        stream.write(text + "\n")
        stream.flush()
