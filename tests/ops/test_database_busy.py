"""A write that cannot get the database in time is answered 503 with Retry-After.

On the embedded default a write waits for SQLite's write lock up to the busy timeout
and is then refused with "database is locked" (tests/ops/test_sqlite_turns.py). The
page or the report form's autosave tells the user the server is busy and when to try
again — never a 500 — and nothing of the request is stored. Here the refusal is raised
where the service would raise it; the API's answer is in tests/api/test_database_busy.py.
"""

import pytest
from django.db.utils import OperationalError
from django.test import Client

from tasks.models import ProgressReport

BUSY = OperationalError("database is locked")


def _busy(*args, **kwargs):
    raise BUSY


@pytest.mark.django_db
def test_the_autosave_answers_a_busy_database_in_json_and_keeps_nothing(world, monkeypatch):
    monkeypatch.setattr("tasks.views.report_form.report_save_draft", _busy)
    client = Client(raise_request_exception=False)
    client.force_login(world.users.owner)
    response = client.post(
        f"/tasks/report/{world.task_a1.pk}/{world.period_a.pk}/autosave/",
        data={"version": 0, "progress_text": "已完成"},
        content_type="application/json",
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "系统繁忙" in response.json()["error"]
    assert not ProgressReport.objects.filter(task=world.task_a1, agency=world.own).exists()


@pytest.mark.django_db
def test_a_page_answers_a_busy_database_with_a_page_saying_so(world, monkeypatch):
    monkeypatch.setattr("tasks.views.report_form.report_save_draft", _busy)
    client = Client(raise_request_exception=False)
    client.force_login(world.users.owner)
    response = client.post(
        f"/tasks/report/{world.task_a1.pk}/{world.period_a.pk}/",
        data={"version": 0, "progress_text": "已完成", "action": "save"},
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "系统繁忙" in response.content.decode()
