"""manage.py demo builds a usable demo and running it twice leaves one copy."""

import datetime as dt

import pytest
from django.core.management import call_command

from agencies.models import Agency, Role
from indicators.models import IndicatorValue
from plans.demo import build_demo
from plans.models import Plan
from tasks.models import ProgressReport, ReportingPeriod

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)


def counts():
    return {
        "plans": Plan.objects.count(),
        "agencies": Agency.objects.count(),
        "periods": ReportingPeriod.objects.count(),
        "reports": ProgressReport.objects.count(),
        "values": IndicatorValue.objects.count(),
        "roles": Role.objects.count(),
    }


def test_demo_twice_leaves_one_copy():
    build_demo(today=TODAY)
    first = counts()
    build_demo(today=TODAY)
    assert counts() == first
    assert first["plans"] == 3


def test_demo_has_something_for_every_screen():
    build_demo(today=TODAY)
    yueyang = Plan.objects.get(region__name="岳阳县")
    reports = ProgressReport.objects.filter(task__action__plan=yueyang)
    states = set(reports.values_list("state", flat=True))
    assert states == {"draft", "submitted", "returned", "approved"}
    assert reports.filter(is_late=True).exists()
    assert reports.filter(status="lagging").exists()
    periods = list(yueyang.periods.order_by("year", "quarter").values_list("label", flat=True))
    assert periods[0] == "2025Q1" and periods[-1] == "2026Q4"
    # A past quarter has gaps: some assignments never reported.
    q3 = yueyang.periods.get(label="2026Q3")
    expected = sum(t.assignments.count() for a in yueyang.actions.all() for t in a.tasks.all())
    assert 0 < reports.filter(period=q3).count() < expected
    assert IndicatorValue.objects.filter(indicator__plan=yueyang).exists()


def test_demo_accounts_log_in_and_see_their_part(client):
    build_demo(today=TODAY)
    for username in ("office", "leader", "agency", "agency2", "city", "province", "admin"):
        assert client.login(username=username, password="carbonplan"), username
    agency = Role.objects.get(user__username="agency", kind="staff").agency
    assert agency.name == "县发改局" and agency.region.name == "岳阳县"
    assert agency.assignments.filter(role="lead").count() >= 10
    assert Role.objects.get(user__username="agency2", kind="staff").agency.name == "县交通运输局"
    assert Role.objects.filter(user__username="office", kind="office").count() == 3
    city = Role.objects.get(user__username="city")
    assert (city.kind, city.region.name) == ("office", "岳阳市")
    province = Role.objects.get(user__username="province")
    assert (province.kind, province.region.name) == ("leader", "湖南省")


def test_demo_command_prints_the_accounts(capsys):
    call_command("demo", "--no-migrate")
    out = capsys.readouterr().out
    for username in ("office", "leader", "agency", "agency2", "city", "province"):
        assert username in out
    assert "carbonplan" in out


def test_the_city_office_and_the_province_leader_see_their_region_pages(client):
    from plans.models import Region

    build_demo(today=TODAY)
    city, province = Region.objects.get(name="岳阳市"), Region.objects.get(name="湖南省")
    client.login(username="city", password="carbonplan")
    assert client.get(f"/reports/regions/{city.pk}/").status_code == 200
    assert client.get(f"/reports/regions/{province.pk}/").status_code == 404
    client.login(username="province", password="carbonplan")
    assert client.get(f"/reports/regions/{province.pk}/").status_code == 200
    assert client.get(f"/reports/regions/{city.pk}/").status_code == 200
