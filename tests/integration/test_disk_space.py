"""A low-disk alert on a real small filesystem (tmpfs), raised while writes still work.

The kiosk's data directory is a 6 MB tmpfs; a file fills it to under the threshold, the
kiosk's own ``DiskWatch`` (built by ``build_services``) raises one ``disk_low`` alert and a
check-in still commits after it. Needs root (mount); skipped otherwise.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from kiosk.core.alerts import acknowledge_alert, open_alerts
from kiosk.core.config.settings import Settings
from kiosk.core.disk_space import disk_state
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import build_services

pytestmark = pytest.mark.integration


@pytest.fixture
def small_disk(tmp_path: Path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m,mode=0700", "tmpfs", str(mount)], check=True
    )
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_low_disk_raises_one_alert_before_writes_fail(small_disk: Path) -> None:
    settings = (
        Settings().replace("kiosk", data_dir=str(small_disk)).replace("printer", backend="file")
    )
    services = build_services(settings, demo=True, start_workers=False)
    try:
        watch = services.disk_watch
        watch.min_free = 2 * 1024 * 1024
        assert watch.run_once() is None  # plenty of room: nothing raised
        filler = small_disk / "filler"
        free = disk_state(small_disk).free
        with filler.open("wb") as f:
            f.write(b"\0" * (free - 1024 * 1024))  # leave about 1 MB
        alert = watch.run_once()
        assert alert is not None and alert.kind == "disk_low" and alert.severity == "warning"
        assert int(alert.details["free_mb"]) <= 1
        assert watch.run_once() is None  # one open alert is enough
        kinds = [r["kind"] for r in services.store.query("SELECT kind FROM outbox")]
        assert "alert.raised" in kinds  # head office hears of it by sync

        host = services.records.hosts(settings.site.id)[0]
        visit = services.checkin.check_in(
            CheckinForm(
                name="张伟", phone="13812345678", purpose="meeting", host_id=host.id, consent=True
            )
        ).visit  # the alert came while a check-in still fits
        assert services.records.visit(visit.id) is not None

        with services.store.transaction() as tx:
            acknowledge_alert(tx, alert.id, "desk")
        again = watch.run_once()  # taken on but still low: raised again
        assert again is not None and [a.id for a in open_alerts(services.store)] == [again.id]
    finally:
        services.stop()
