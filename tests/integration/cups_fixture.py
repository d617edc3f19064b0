"""A private, real CUPS scheduler with CUPS-PDF queues, for tests and benchmarks.

Why a private ``cupsd`` and not the machine's: the failure tests stop and restart the scheduler,
which must never disturb anything else on the machine. This one has its own configuration,
spool and log directories under one folder, listens only on a Unix socket there, and is reached
by setting ``CUPS_SERVER`` to that socket (``CupsPrinter(server=...)``). It runs as a child
process of the test run, stopped by its own process id.

Facts it relies on (Debian: cups, cups-client, cups-bsd, printer-driver-cups-pdf):
- a ``cups-pdf:/QUEUE`` device reads ``/etc/cups/cups-pdf-QUEUE.conf``; ``Out DIR`` there
  makes it write each job as a PDF into DIR (about 0.2 s per job);
- filters run as the unprivileged ``lp`` user, so the temp folder must be world-writable;
- the CUPS-PDF PPD accepts custom page sizes: ``-o media=Custom.62x100mm``.

Idempotent: ``start()`` on a running server does nothing; a server left running by an earlier
run (same folder) is adopted when it answers, else replaced.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

CUPSD = "/usr/sbin/cupsd"
CUPS_PDF_BACKEND = "/usr/lib/cups/backend/cups-pdf"
CUPS_PDF_PPDS = (
    "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd",
    "/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd",
)
DEBIAN_PACKAGES = "cups cups-client cups-bsd printer-driver-cups-pdf poppler-utils zbar-tools"

CUPSD_CONF = """\
LogLevel warn
Listen {socket}
Browsing No
WebInterface No
DefaultAuthType None
ErrorPolicy abort-job
MaxJobs 0
PreserveJobHistory Yes
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

CUPS_FILES_CONF = """\
SystemGroup root
ServerRoot {root}/etc
RequestRoot {root}/spool
CacheDir {root}/cache
StateDir {root}/state
TempDir {root}/tmp
AccessLog {root}/log/access_log
ErrorLog {root}/log/error_log
PageLog {root}/log/page_log
"""


class CupsUnavailable(RuntimeError):
    pass


def missing_parts() -> list[str]:
    """What this machine lacks to run the real-CUPS tests (empty when all is there)."""
    missing = [p for p in (CUPSD, CUPS_PDF_BACKEND) if not Path(p).exists()]
    if not any(Path(p).exists() for p in CUPS_PDF_PPDS):
        missing.append(CUPS_PDF_PPDS[0])
    for tool in ("lp", "lpstat", "lpadmin", "cupsenable", "cupsdisable", "pdfinfo", "zbarimg"):
        if shutil.which(tool) is None:
            missing.append(tool)
    if os.geteuid() != 0:
        missing.append("root (cupsd and /etc/cups/cups-pdf-*.conf need it)")
    return missing


class CupsServer:
    def __init__(self, root: Path | str = "/tmp/lk-cups") -> None:
        # a Unix socket path must stay short (108 bytes)
        self.root = Path(root)
        self.socket = str(self.root / "cups.sock")
        self.proc: subprocess.Popen[bytes] | None = None
        self.queues: dict[str, Path] = {}

    # -- environment for the clients -----------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["CUPS_SERVER"] = self.socket
        env["LC_ALL"] = "C"
        return env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            list(args), env=self.env, capture_output=True, text=True, timeout=20, check=False
        )
        if check and result.returncode != 0:
            raise CupsUnavailable(f"{' '.join(args)} failed: {result.stderr or result.stdout}")
        return result

    def answers(self) -> bool:
        if not Path(self.socket).exists():
            return False
        try:
            result = self.run("lpstat", "-r", check=False)
        except subprocess.TimeoutExpired:
            return False
        return result.returncode == 0 and "is running" in result.stdout

    # -- life cycle ------------------------------------------------------------------------------
    def start(self, timeout: float = 15.0) -> CupsServer:
        missing = missing_parts()
        if missing:
            raise CupsUnavailable(
                f"real CUPS tests need {', '.join(missing)} "
                f"(Debian packages: {DEBIAN_PACKAGES}; see scripts/debian-packages.txt)"
            )
        if self.proc is not None and self.proc.poll() is None and self.answers():
            return self
        if self.proc is None and self.answers():
            return self  # left running by an earlier run in the same folder: adopt it
        self._kill_stale()
        for sub in ("etc/ppd", "spool", "cache", "state", "log"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        os.chmod(self.root / "tmp", 0o1777)
        (self.root / "etc" / "cupsd.conf").write_text(CUPSD_CONF.format(socket=self.socket))
        (self.root / "etc" / "cups-files.conf").write_text(CUPS_FILES_CONF.format(root=self.root))
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket)
        log = (self.root / "log" / "cupsd.out").open("ab")
        self.proc = subprocess.Popen(
            [
                CUPSD,
                "-f",
                "-c",
                str(self.root / "etc" / "cupsd.conf"),
                "-s",
                str(self.root / "etc" / "cups-files.conf"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        (self.root / "cupsd.pid").write_text(str(self.proc.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CupsUnavailable(
                    f"cupsd exited with {self.proc.returncode}; see {self.root}/log/"
                )
            if self.answers():
                return self
            time.sleep(0.05)
        raise CupsUnavailable(f"cupsd did not answer on {self.socket} within {timeout}s")

    def stop(self) -> None:
        """Stop the scheduler we started (by its process id)."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            self.proc = None
            with contextlib.suppress(OSError):
                (self.root / "cupsd.pid").unlink()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket)

    def _kill_stale(self) -> None:
        """A cupsd from an earlier run of ours in this folder that no longer answers."""
        pid_file = self.root / "cupsd.pid"
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            cmdline = ""
        if "cupsd" in cmdline and str(self.root) in cmdline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                if not Path(f"/proc/{pid}").exists():
                    break
                time.sleep(0.05)
        with contextlib.suppress(OSError):
            pid_file.unlink()

    # -- queues ----------------------------------------------------------------------------------
    def add_pdf_queue(self, name: str, out_dir: Path, *, media: str = "Custom.62x100mm") -> Path:
        """A CUPS-PDF queue writing each job as a PDF into ``out_dir`` (idempotent)."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        Path(f"/etc/cups/cups-pdf-{name}.conf").write_text(
            f"Out {out_dir}\nAnonDirName {out_dir}\nLabel 1\n"
        )
        ppd = next(p for p in CUPS_PDF_PPDS if Path(p).exists())
        self.run(
            "lpadmin",
            "-p",
            name,
            "-E",
            "-v",
            f"cups-pdf:/{name}",
            "-P",
            ppd,
            "-o",
            f"media-default={media}",
            "-o",
            "printer-error-policy=abort-job",
        )
        self.queues[name] = out_dir
        return out_dir

    def remove_queue(self, name: str) -> None:
        self.run("lpadmin", "-x", name, check=False)
        with contextlib.suppress(OSError):
            Path(f"/etc/cups/cups-pdf-{name}.conf").unlink()
        self.queues.pop(name, None)

    def disable(self, name: str) -> None:
        self.run("cupsdisable", name)

    def enable(self, name: str) -> None:
        self.run("cupsenable", name)

    def pdfs(self, name: str) -> list[Path]:
        return sorted(self.queues[name].glob("*.pdf"))

    def wait_for_pdfs(self, name: str, count: int, timeout: float = 15.0) -> list[Path]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.pdfs(name)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.pdfs(name)
