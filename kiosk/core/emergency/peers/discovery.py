"""Finding the site's other kiosks on the LAN by zeroconf (mDNS / DNS-SD), beside the peer list.

A kiosk whose peer server listens advertises it as ``_lobbykiosk._tcp.local.`` with TXT
``v=1``, ``site=`` a tag of the site id (a hash: the site's name and id are never broadcast)
and ``kiosk=`` a tag of its own id, and browses for the same type. An advertisement with this
site's tag and another kiosk's tag adds its address to the peers the sender exchanges with
(``PeerSender(discovered=...)``); one that goes away (or expires) drops it.

Discovery grants no trust. Every frame is still sealed with the site's peer key and checked by
the exchange: a forged advertisement pointing at a hostile server gets frames it cannot open,
and whatever it answers is refused (logged, alerted) like any other stranger's frame. At most
``MAX_PEERS`` discovered addresses are kept, so a flood of advertisements cannot grow the list.

Runs on the worker abstraction: zeroconf's own thread only notes a name and wakes the worker;
the worker starts zeroconf (registering probes the network for about 1.5 s), resolves names
and keeps the addresses. A network without multicast leaves the worker retrying with back-off
(logged) and the peer list working as before. Must never run on the UI thread.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from kiosk.core.config.clock import Clock
from kiosk.core.config.errors import TransientError
from kiosk.core.workers.worker import Worker

log = logging.getLogger(__name__)

SERVICE_TYPE = "_lobbykiosk._tcp.local."
MAX_PEERS = 32
RESOLVE_TIMEOUT_MS = 2000
WILDCARDS = ("", "0.0.0.0", "::")


def tag(kind: str, value: str) -> str:
    """A short hash of a site or kiosk id for TXT records (the id itself is not broadcast)."""
    return hashlib.sha256(f"lobbykiosk.{kind}\0{value}".encode()).hexdigest()[:16]


def advertised_addresses(host: str) -> list[str]:
    """The IPv4 addresses to advertise for a server listening on ``host``: that one, or, for
    a wildcard, every interface's (loopback only when there is nothing else)."""
    if host not in WILDCARDS:
        return [host]
    import ifaddr  # zeroconf's own dependency

    found = [
        str(ip.ip)
        for adapter in ifaddr.get_adapters()
        for ip in adapter.ips
        if isinstance(ip.ip, str)
    ]
    outside = [a for a in found if not a.startswith("127.")]
    return outside or found or ["127.0.0.1"]


class PeerDiscovery(Worker):
    """Advertises this kiosk's peer server and keeps the addresses of the site's others."""

    def __init__(
        self,
        *,
        site_id: str,
        kiosk_id: str,
        address: tuple[str, int],
        clock: Clock,
        on_found: Callable[[], object] = lambda: None,
    ) -> None:
        super().__init__(name="emergency-peer-discovery", clock=clock)
        self.site_tag = tag("site", site_id)
        self.kiosk_tag = tag("kiosk", kiosk_id)
        self.address = address
        self.on_found = on_found
        self._lock = threading.Lock()
        self._pending: dict[str, bool] = {}  # service name -> still there
        self._peers: dict[str, tuple[str, int]] = {}
        self._zc: Any = None
        self._info: Any = None
        self._browser: Any = None

    def peers(self) -> list[tuple[str, int]]:
        """The discovered peer servers of this site, as (host, port) (any thread)."""
        with self._lock:
            return sorted(set(self._peers.values()))

    def due_in(self) -> float | None:
        with self._lock:
            busy = self._zc is None or bool(self._pending)
        return 0.0 if busy else None

    def run_once(self) -> bool:
        if self._zc is None:
            self._start_zeroconf()
            return True
        with self._lock:
            pending, self._pending = self._pending, {}
        changed = False
        for name, present in pending.items():
            if self.stopping:
                break
            changed |= self._resolve(name) if present else self._drop(name)
        if changed:
            self.on_found()
        return False

    # -- zeroconf ----------------------------------------------------------------------------
    def _start_zeroconf(self) -> None:
        from zeroconf import InterfaceChoice, IPVersion, ServiceBrowser, ServiceInfo, Zeroconf

        host, port = self.address
        name = f"kiosk-{self.kiosk_tag}.{SERVICE_TYPE}"
        # a server bound to one address is reached on that interface only: speak mDNS there
        interfaces: Any = InterfaceChoice.All if host in WILDCARDS else [host]
        try:
            zc = Zeroconf(interfaces=interfaces, ip_version=IPVersion.V4Only)
        except OSError as e:
            raise TransientError(f"zeroconf does not start here: {e}") from e
        try:
            info = ServiceInfo(
                SERVICE_TYPE,
                name,
                port=port,
                properties={"v": "1", "site": self.site_tag, "kiosk": self.kiosk_tag},
                addresses=[socket.inet_aton(a) for a in advertised_addresses(host)],
                server=f"lobbykiosk-{self.kiosk_tag}.local.",
            )
            zc.register_service(info, allow_name_change=True)
            self._browser = ServiceBrowser(zc, SERVICE_TYPE, handlers=[self._heard])
        except Exception as e:
            zc.close()
            raise TransientError(f"zeroconf: advertising the peer server failed: {e}") from e
        self._zc, self._info = zc, info
        log.info("zeroconf: peer server %s:%d advertised as %s", host, port, info.name)

    def _heard(self, zeroconf: Any, service_type: str, name: str, state_change: Any) -> None:
        """zeroconf's thread: note the name, let the worker resolve it."""
        from zeroconf import ServiceStateChange

        with self._lock:
            self._pending[name] = state_change is not ServiceStateChange.Removed
        self.wake()

    def _resolve(self, name: str) -> bool:
        info = self._zc.get_service_info(SERVICE_TYPE, name, timeout=RESOLVE_TIMEOUT_MS)
        if info is None:
            return False
        props = {
            k.decode(errors="replace"): (v or b"").decode(errors="replace")
            for k, v in info.properties.items()
        }
        if props.get("site") != self.site_tag or props.get("kiosk") == self.kiosk_tag:
            return self._drop(name)  # another site's kiosk, or this one
        addresses = info.parsed_addresses()
        if not addresses or not info.port:
            return self._drop(name)
        peer = (addresses[0], int(info.port))
        with self._lock:
            if self._peers.get(name) == peer:
                return False
            if name not in self._peers and len(self._peers) >= MAX_PEERS:
                log.warning("zeroconf: %d peers found already; %s ignored", MAX_PEERS, name)
                return False
            self._peers[name] = peer
        log.info("zeroconf: found the site's kiosk %s at %s:%d", name, *peer)
        return True

    def _drop(self, name: str) -> bool:
        with self._lock:
            gone = self._peers.pop(name, None)
        if gone is not None:
            log.info("zeroconf: %s (%s:%d) gone", name, *gone)
        return gone is not None

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        zc, self._zc = self._zc, None
        if zc is not None:
            if self._browser is not None:
                self._browser.cancel()
            try:
                zc.unregister_service(self._info)
            finally:
                zc.close()
