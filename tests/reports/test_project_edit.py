"""The office completes a key project's ledger entry: owner agency, size, planned
investment and dates; the new owner then writes the project's quarter."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from agencies.models import AuditEntry
from tasks.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def wind(world):
    return Project.objects.create(task=world.task_a1, name="红石风电场")


def _url(world, project):
    return reverse("reports:project-edit", args=[world.plan_a.pk, project.pk])


@time_machine.travel(dt.datetime(2026, 3, 20, 10, tzinfo=dt.UTC), tick=True)
def test_the_office_sets_the_owner_and_plan_and_the_owner_then_reports(world, wind, login):
    client = login(world.users.office)
    assert "红石风电场" in client.get(_url(world, wind)).content.decode()
    response = client.post(
        _url(world, wind),
        {"agency": world.other.pk, "capacity": "5", "unit": "万千瓦", "investment_planned": "40000",
         "planned_start": "2025-01-01", "planned_finish": "2026-12-31"},
    )  # fmt: skip
    assert response.status_code == 302
    wind.refresh_from_db()
    assert (wind.agency, wind.investment_planned, wind.planned_finish) == (
        world.other,
        40000,
        dt.date(2026, 12, 31),
    )
    entry = AuditEntry.objects.get(action="project.update")
    assert entry.changes["agency"][1] == str(world.other)
    ledger = client.get(reverse("reports:projects", args=[world.plan_a.pk])).content.decode()
    assert "县交通运输局" in ledger and _url(world, wind) in ledger
    # 县交通运输局 supports the task but now answers for the project: its form carries it.
    form = login(world.users.other_agency).get(
        reverse("tasks:report_form", args=[world.task_a1.pk, world.period_a.pk])
    )
    assert f'name="proj_{wind.pk}_stage"' in form.content.decode()


def test_a_finish_before_the_start_or_a_foreign_agency_is_refused_and_nothing_changes(world, wind, login):
    client = login(world.users.office)
    response = client.post(_url(world, wind), {"planned_start": "2027-01-01", "planned_finish": "2026-01-01"})
    assert response.status_code == 400 and "计划开工不能晚于计划建成" in response.content.decode()
    response = client.post(_url(world, wind), {"agency": world.stranger.pk})
    assert response.status_code == 400
    wind.refresh_from_db()
    assert (wind.agency, wind.planned_start) == (None, None)
    assert not AuditEntry.objects.filter(action="project.update").exists()


def test_a_project_of_another_plan_is_not_found(world, wind, login):
    other_plan_url = reverse("reports:project-edit", args=[world.plan_b.pk, wind.pk])
    assert login(world.users.other_office).get(other_plan_url).status_code == 404
