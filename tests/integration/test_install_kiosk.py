"""scripts/install-kiosk in a fresh Debian 12 root (debootstrap + chroot), as on a new machine.

What it can check here: packages, the kiosk user and its groups, /opt/lobby-kiosk and its venv
(`kiosk --version` runs inside the root), the settings and passphrase with their modes, the
units installed and enabled (``systemctl --root``: no systemd runs in a chroot). What needs
hardware (a screen, touch, a scanner, a label printer, a Raspberry Pi) is not tested here.

Slow (78 s here: debootstrap 30-70 s, apt 33 s, pip 22 s), needs root and network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MIRROR = os.environ.get("KIOSK_TEST_DEBIAN_MIRROR", "http://deb.debian.org/debian")

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _run(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def fresh_root(tmp_path: Path):
    if os.geteuid() != 0 or not shutil.which("debootstrap"):
        pytest.skip("needs root and debootstrap (apt-get install debootstrap)")
    root = tmp_path / "root"
    done = _run("debootstrap", "--variant=minbase", "bookworm", str(root), MIRROR)
    if done.returncode != 0:
        pytest.skip(f"debootstrap could not reach {MIRROR}: {done.stderr[-300:]}")
    shutil.copytree(
        ROOT, root / "src", ignore=shutil.ignore_patterns(".venv*", ".git", ".kivy*", "__pycache__")
    )
    shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")
    # this machine's own trust (a private CA on its egress, if any) so pip reaches PyPI
    local_ca = Path("/usr/local/share/ca-certificates")
    if local_ca.is_dir():
        shutil.copytree(local_ca, root / "usr/local/share/ca-certificates", dirs_exist_ok=True)
    (root / "usr/sbin/policy-rc.d").write_text("#!/bin/sh\nexit 101\n")  # no daemons start
    (root / "usr/sbin/policy-rc.d").chmod(0o755)
    for fs, target in (("proc", "proc"), ("sysfs", "sys")):
        subprocess.run(["mount", "-t", fs, fs, str(root / target)], check=True)
    try:
        yield root
    finally:
        for target in ("sys", "proc"):
            subprocess.run(["umount", "-l", str(root / target)], check=False)


def test_install_kiosk_in_a_fresh_debian_root(fresh_root: Path) -> None:
    chroot = ["chroot", str(fresh_root)]
    packages = ("systemd", "rsync", "ca-certificates")
    done = _run(*chroot, "apt-get", "install", "-y", "--no-install-recommends", *packages)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _run(*chroot, "update-ca-certificates").returncode == 0
    done = _run(*chroot, "/src/scripts/install-kiosk", "--no-start", timeout=1500)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    assert "kiosk 0." in done.stdout

    groups = _run(*chroot, "id", "-nG", "kiosk").stdout.split()
    assert {"kiosk", "video", "input", "lp"} <= set(groups)
    etc = fresh_root / "etc/lobby-kiosk"
    assert (etc / "backup.passphrase").stat().st_mode & 0o777 == 0o600
    assert (fresh_root / "var/lib/lobby-kiosk").stat().st_mode & 0o777 == 0o700
    wants = fresh_root / "etc/systemd/system/multi-user.target.wants/lobby-kiosk.service"
    assert wants.is_symlink()
    assert (
        fresh_root / "etc/systemd/system/timers.target.wants/lobby-kiosk-backup.timer"
    ).is_symlink()
    version = _run(*chroot, "/opt/lobby-kiosk/.venv/bin/kiosk", "--version")
    assert version.returncode == 0 and "database schema" in version.stdout
    config = _run(
        *chroot,
        "runuser",
        "-u",
        "kiosk",
        "--",
        "/opt/lobby-kiosk/.venv/bin/kiosk",
        "--config",
        "/etc/lobby-kiosk/kiosk.toml",
        "--print-config",
    )
    assert config.returncode == 0 and "/var/lib/lobby-kiosk" in config.stdout, config.stderr

    again = _run(*chroot, "/src/scripts/install-kiosk", "--no-start", timeout=900)
    assert again.returncode == 0, again.stderr[-2000:]  # an update: runs again cleanly
