"""The last hour before a deadline on the embedded default, as `bin/demo` serves it.

Sixteen clients at once against `manage.py runserver` on a SQLite file
(tests/ops/embedded.py, tests/ops/burst.py): fourteen agency staff who each mistype their password (and
the shared username everyone mistypes), log in, autosave a draft five times, submit
it, ask the token endpoint with a wrong and a right password, create, change and
submit a second report through the API and read their pages; the office approving
late and new reports through the API (each approval recomputes the plan's figures
in-process); a leader reading the boards. No answer may be a server error or anything
but what the step expects, and every write a client was told had succeeded must be
in the database afterwards. The figures (latencies, how long transactions held the
write lock) are printed, not asserted: they depend on the machine.
"""

import pytest
from django.conf import settings

from tests.ops import burst, embedded

AGENCY_CLIENTS = 14  # + the office + a leader = 16

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "carbonplan.sqlite3",
    reason="the embedded default is checked in the SQLite run (the server uses its own file either way)",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("embedded")
    cast = embedded.build(directory, agency_clients=AGENCY_CLIENTS)
    with embedded.EmbeddedSite(directory) as server:
        yield directory, cast, server


def test_sixteen_clients_at_the_deadline_get_no_server_error_and_lose_no_write(site):
    directory, cast, server = site
    outcome = burst.burst(server.url, cast)
    transactions = server.transaction_log()
    lost = embedded.verify(directory, outcome)
    print(f"\n{AGENCY_CLIENTS + 2} clients\n{burst.summary(outcome, transactions)}")

    assert not outcome.server_errors, [
        (a.step, a.path, a.status, a.text[:500]) for a in outcome.server_errors
    ]
    assert not outcome.unexpected, [(a.step, a.path, a.status, a.text[:300]) for a in outcome.unexpected]
    # Every client went through its whole script: each write was acknowledged …
    assert len(outcome.autosaves) == AGENCY_CLIENTS * (embedded.AUTOSAVES + 1)
    assert len(outcome.submitted) == 2 * AGENCY_CLIENTS
    assert len(outcome.created) == 2 * AGENCY_CLIENTS
    assert len(outcome.tokens) == AGENCY_CLIENTS + 2
    assert len(outcome.approved) >= len(cast["approvals"]) > 0
    assert outcome.typo[429] >= 1  # the shared mistyped username was locked out
    # … and is in the database.
    assert lost == []
    # The server's log has no lock error either (one could hide behind a 4xx page).
    assert "database is locked" not in server.log.read_text()
    assert all(t.get("end", "commit") == "commit" or t["request"] for t in transactions)
