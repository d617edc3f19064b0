"""The site's building file on the kiosk, as head office distributes it through sync.

Head office validates an uploaded building and appends it to the site's pull feed as a
``building.updated`` change (``sync/server/buildings.py``). ``building_updated`` is the pull
handler (``sync/apply.py`` registers it): it checks the building again, writes
``<data dir>/building.json`` atomically (temporary file, fsync, rename, fsync of the folder)
and records the version and hash in the kiosk's key/value table in the pull's transaction.
``Directions`` notices the new file on its next use (``directions.py``).

The file is written inside the pull's transaction on purpose: if writing fails, the handler
raises, the transaction rolls back and the cursor stays where it was, so the change comes
again. A change applied twice writes the same bytes twice (idempotent); an older version than
the one on disk is ignored. A building this kiosk cannot read raises ``ValueError``, which
``sync.apply`` treats as a malformed change: logged and skipped, the old building stays.

No Kivy, no network.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from kiosk.core.config.errors import ConfigError
from kiosk.core.config.settings_file import write_atomically
from kiosk.core.events import BuildingUpdated
from kiosk.core.wayfinding.building import building_from_dict

log = logging.getLogger(__name__)

BUILDING_FILE = "building.json"
VERSION_KV = "building.version"
SHA_KV = "building.sha256"


def canonical_bytes(document: dict[str, Any]) -> bytes:
    """The bytes a building's hash is taken over (same on head office and kiosk)."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def building_hash(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def building_updated(records: Any, tx: Any, change: BuildingUpdated) -> None:
    """The ``sync.apply`` handler for pulled ``building.updated`` changes (parsed by the event
    registry); ``ValueError`` (the change is skipped and recorded) for a building that does
    not match its hash or does not load."""
    document, version, sha = change.building, change.version, change.sha256
    if building_hash(document) != sha:
        raise ValueError(f"building.updated v{version}: the hash does not match the building")
    store = records.store
    current = int(store.get_value(VERSION_KV) or 0)
    if version < current:
        log.info("building v%s is older than v%s on this kiosk; ignored", version, current)
        return
    data_dir = Path(store.path).parent
    try:
        building_from_dict(document, source=f"head office building v{version}", base_dir=data_dir)
    except ConfigError as e:
        raise ValueError(str(e)) from e
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    write_atomically(data_dir / BUILDING_FILE, text.encode("utf-8"))
    store.set_value(VERSION_KV, str(version), tx)
    store.set_value(SHA_KV, sha, tx)
    log.info("building v%s from head office written to %s", version, data_dir / BUILDING_FILE)
