"""Property-based API testing with schemathesis against a live server's /openapi.json.

Every operation is called with generated data four ways: without credentials, with a kiosk token of
the site the data belongs to, with a kiosk token of another site and with an admin token. No answer
may be a 5xx, and every documented answer must match its schema. A stateful run then chains calls
along the links schemathesis infers (a created site, invitation or host used by the next call), with
every kind of credentials, and may meet no 5xx either. Against SQLite and PostgreSQL (which refuses
NUL bytes and over-long strings that SQLite takes). Bounded (a few examples per operation) so it
runs in about a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from pg_fixture import postgres  # noqa: F401  (fixture)
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from sync.client import enroll
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MAX_EXAMPLES = 6


@dataclass
class Live:
    url: str
    headers: dict[str, dict[str, str]]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request, tmp_path_factory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("schemathesis")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'head-office.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    ho = HeadOffice(url)
    ho.add_site("demo", "示范大厦", "Demo Tower")
    ho.add_site("other", "另一座", "Other Tower")
    admin = ho.add_admin("fuzz")
    server = ServerProcess(url, log_path=folder / "server.log").start()
    enroll(server.url, ho.add_kiosk("demo"), data_dir=folder / "kiosk")
    kiosk = (folder / "kiosk" / "head-office.token").read_text().strip()
    enroll(server.url, ho.add_kiosk("other"), data_dir=folder / "other")
    other = (folder / "other" / "head-office.token").read_text().strip()
    yield Live(
        server.url,
        {
            "anonymous": {},
            "kiosk": {"Authorization": f"Bearer {kiosk}"},
            "other_site_kiosk": {"Authorization": f"Bearer {other}"},
            "admin": {"Authorization": f"Bearer {admin}"},
        },
    )
    server.stop()
    ho.close()


@pytest.fixture(scope="module")
def operations(live: Live) -> list:
    schema = schemathesis.openapi.from_url(live.url + "/openapi.json")
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 20, [op.label for op in found]
    return found


def _fuzz(operations: list, live: Live, who: str) -> None:
    """Each operation, bounded examples; all failures collected and reported together."""
    failures: list[str] = []
    for operation in operations:

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=operation.as_strategy())
        def check(case) -> None:
            case.call_and_validate(
                base_url=live.url,
                headers=live.headers[who],
                checks=[not_a_server_error, response_schema_conformance],
            )

        try:
            check()
        except Exception as e:  # collect every operation's failure, not just the first
            failures.append(f"{operation.label}: {e}")
    assert not failures, "\n\n".join(failures)


def test_without_credentials(operations: list, live: Live) -> None:
    _fuzz(operations, live, "anonymous")


def test_with_a_kiosk_token(operations: list, live: Live) -> None:
    _fuzz(operations, live, "kiosk")


def test_with_an_admin_token(operations: list, live: Live) -> None:
    _fuzz(operations, live, "admin")


def test_with_another_sites_kiosk_token(operations: list, live: Live) -> None:
    _fuzz(operations, live, "other_site_kiosk")


@pytest.mark.parametrize("who", ["anonymous", "kiosk", "other_site_kiosk", "admin"])
def test_stateful_sequences_meet_no_server_error(live: Live, who: str) -> None:
    schema = schemathesis.openapi.from_url(live.url + "/openapi.json")
    machine = schema.as_state_machine()
    headers = live.headers[who]
    chained: list[str] = []

    class Sequences(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case):
            chained.append(case.operation.label)
            return {"base_url": live.url, "headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=[not_a_server_error])

    Sequences.run(
        settings=settings(
            max_examples=8,
            stateful_step_count=4,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
    )
    # the run really chained calls (links were inferred), across more than one operation
    assert len(set(chained)) >= 2, chained
