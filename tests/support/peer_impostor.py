"""A hostile peer for the discovery test: it advertises itself by zeroconf as a kiosk of the
site (the right site tag, which anyone who knows the site id can compute) and runs a peer
server that answers every frame with one sealed under a key that is not the site's.

Prints one JSON line when advertised, then one per frame it took: whether it could open it
(it never can: it lacks the peer key). Usage:
python -m tests.support.peer_impostor SITE_ID ADDRESS PORT [NAME]
"""

from __future__ import annotations

import json
import socket
import sys
import time

from zeroconf import IPVersion, ServiceInfo, Zeroconf

from kiosk.core.emergency.peers import messages
from kiosk.core.emergency.peers.discovery import SERVICE_TYPE, tag
from kiosk.core.emergency.peers.link import read_frame, write_frame
from kiosk.core.emergency.peers.sealing import Refused, open_frame, seal
from kiosk.core.keys.hierarchy import KeyPurpose, SiteKey

WRONG_KEY = SiteKey(KeyPurpose.PEER, 1, b"\x66" * 32)


def main() -> None:
    site_id, address, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    name = sys.argv[4] if len(sys.argv) > 4 else "impostor"
    server = socket.create_server((address, port))
    zc = Zeroconf(interfaces=[address], ip_version=IPVersion.V4Only)
    zc.register_service(
        ServiceInfo(
            SERVICE_TYPE,
            f"kiosk-{name}.{SERVICE_TYPE}",
            port=port,
            properties={"v": "1", "site": tag("site", site_id), "kiosk": name},
            addresses=[socket.inet_aton(address)],
            server=f"{name}.local.",
        )
    )
    print(json.dumps({"advertised": True}), flush=True)
    try:
        while True:
            conn, _ = server.accept()
            with conn:
                conn.settimeout(3)
                frame = read_frame(conn)
                try:
                    open_frame(lambda _v: WRONG_KEY, site_id, frame)
                    opened = True
                except Refused:
                    opened = False
                state = messages.PeerState(
                    site_id=site_id,
                    kiosk_id="impostor",
                    stamp=f"{int(time.time() * 1000):013d}000000-x",
                    entries=[],
                    roster=[],
                )
                write_frame(conn, seal(WRONG_KEY, site_id, messages.encode(state)))
            print(json.dumps({"opened": opened}), flush=True)
    finally:
        zc.close()


if __name__ == "__main__":
    main()
