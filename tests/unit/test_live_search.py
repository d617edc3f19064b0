"""Live host search: rebuilt off the calling thread, swapped in whole, old one kept on error."""

from __future__ import annotations

import threading

from kiosk.core.input.live_search import LiveSearch
from kiosk.core.input.search import DirectorySearch
from kiosk.core.models import Department, Host

DEPT = Department("rnd", "demo", "研发部", "R&D", "5", "")


def _host(host_id: str, name_zh: str) -> Host:
    return Host(id=host_id, site_id="demo", department_id="rnd", name_zh=name_zh, name_en="")


def test_refresh_builds_on_another_thread_and_swaps_the_new_index_in() -> None:
    directory = [_host("h1", "李娜")]
    threads: list[str] = []
    release = threading.Event()

    def build() -> DirectorySearch:
        threads.append(threading.current_thread().name)
        if len(threads) > 1:
            assert release.wait(10)
        return DirectorySearch(list(directory), [DEPT])

    live = LiveSearch(build)
    assert [r.name_zh for r in live.search("wq")] == []
    directory.append(_host("h2", "王强"))
    live.refresh()  # returns at once; the build waits on ``release``
    assert [r.name_zh for r in live.search("ln")] == ["李娜"], "the old index answers meanwhile"
    assert live.generation == 0
    release.set()
    assert live.wait_idle(10)
    assert [r.name_zh for r in live.search("wq")] == ["王强"]
    assert threads[1] == "search-index" and threads[1] != threading.current_thread().name
    assert live.generation == 1 and len(live) == 2


def test_refreshes_during_a_build_fold_into_one_more_build() -> None:
    builds: list[int] = []
    started = threading.Event()
    release = threading.Event()

    def build() -> DirectorySearch:
        builds.append(1)
        if len(builds) == 2:
            started.set()
            assert release.wait(10)
        return DirectorySearch([_host("h1", "李娜")], [DEPT])

    live = LiveSearch(build)
    live.refresh()
    assert started.wait(10)
    for _ in range(5):
        live.refresh()
    release.set()
    assert live.wait_idle(10)
    assert len(builds) == 3, "the start-up build, the first refresh, one more for the five"


def test_a_failed_build_keeps_the_old_index() -> None:
    calls: list[int] = []

    def build() -> DirectorySearch:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return DirectorySearch([_host("h1", "李娜")], [DEPT])

    live = LiveSearch(build)
    live.refresh()
    assert live.wait_idle(10)
    assert [r.name_zh for r in live.search("lina")] == ["李娜"] and live.generation == 0
    live.refresh()  # the next change tries again
    assert live.wait_idle(10) and live.generation == 1
