"""The office of a plan sets its reporting schedule and adds quarters, without admin."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import AuditEntry
from plans.models import PlanSchedule
from plans.schedule import plan_schedule_set
from tasks.models import ReportingPeriod
from tasks.periods import period_add as plan_period_add
from tests import factories as f

pytestmark = pytest.mark.django_db


def labels(plan):
    return list(
        ReportingPeriod.objects.filter(plan=plan).order_by("year", "quarter").values_list("label", flat=True)
    )


@time_machine.travel("2026-12-01 09:00 +0800", tick=False)
def test_setting_a_schedule_creates_each_quarter_with_the_deadline_rule(world):
    plan = world.plan_b
    result = plan_schedule_set(
        plan=plan, first_period="2027Q1", last_period="2027Q4", deadline_days=15, window_days=20, indicator_quarters=[2, 4],
        by=world.users.other_office,
    )  # fmt: skip
    assert result["created"] == ["2027Q1", "2027Q2", "2027Q3", "2027Q4"]
    # The empty 2026Q1 lies outside the schedule and goes.
    assert result["removed"] == ["2026Q1"]
    assert labels(plan) == ["2027Q1", "2027Q2", "2027Q3", "2027Q4"]
    q1 = ReportingPeriod.objects.get(plan=plan, label="2027Q1")
    assert (q1.starts_on, q1.ends_on) == (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    assert q1.deadline == dt.date(2027, 4, 15)  # 季后15日
    assert q1.opens_on == dt.date(2027, 3, 26)  # 20 days before the deadline
    schedule = PlanSchedule.objects.get(plan=plan)
    assert schedule.needs_indicator_values(2) and not schedule.needs_indicator_values(1)
    entry = AuditEntry.objects.get(action="plan.schedule")
    assert entry.plan == plan and entry.actor == world.users.other_office
    assert AuditEntry.objects.filter(action="period.create", plan=plan).count() == 4


@time_machine.travel("2026-12-01 09:00 +0800", tick=False)
def test_setting_the_schedule_again_creates_nothing_twice_and_keeps_quarters_with_reports(world):
    plan = world.plan_a
    plan_schedule_set(plan=plan, first_period="2026Q1", last_period="2027Q2", by=world.users.office)
    f.ReportFactory(task=world.task_a1, agency=world.own, period=world.period_a)
    again = plan_schedule_set(plan=plan, first_period="2026Q1", last_period="2027Q2", by=world.users.office)
    assert again["created"] == [] and again["removed"] == []
    assert ReportingPeriod.objects.filter(plan=plan).count() == 6
    narrower = plan_schedule_set(
        plan=plan, first_period="2026Q3", last_period="2026Q4", deadline_days=20, by=world.users.office
    )
    # 2026Q1 holds a report: kept; the empty quarters outside the range go.
    assert narrower["kept"] == ["2026Q1"]
    assert narrower["removed"] == ["2026Q2", "2027Q1", "2027Q2"]
    assert labels(plan) == ["2026Q1", "2026Q3", "2026Q4"]
    # The deadline rule moves the quarters still ahead…
    assert ReportingPeriod.objects.get(plan=plan, label="2026Q4").deadline == dt.date(2027, 1, 20)
    # …not one already past its deadline.
    assert ReportingPeriod.objects.get(plan=plan, label="2026Q3").deadline == dt.date(2026, 10, 10)
    assert PlanSchedule.objects.filter(plan=plan).count() == 1


@pytest.mark.parametrize(
    "first,last,field",
    [("2027Q5", "2027Q4", "first_period"), ("27Q1", "2027Q4", "first_period"), ("2027Q3", "2027Q1", "last_period"),
     ("1899Q1", "1899Q4", "first_period"), ("2026Q1", "2040Q4", "last_period")],
)  # fmt: skip
def test_a_bad_schedule_is_refused_with_a_message_and_creates_nothing(world, first, last, field):
    with pytest.raises(ValidationError) as exc:
        plan_schedule_set(
            plan=world.plan_b, first_period=first, last_period=last, by=world.users.other_office
        )
    assert field in exc.value.message_dict
    assert labels(world.plan_b) == ["2026Q1"] and not PlanSchedule.objects.exists()


def test_a_quarter_added_alone_follows_the_plans_schedule(world):
    plan_schedule_set(
        plan=world.plan_b,
        first_period="2026Q1",
        last_period="2026Q1",
        deadline_days=5,
        by=world.users.other_office,
    )
    period = plan_period_add(plan=world.plan_b, label="2027q1", by=world.users.other_office)
    assert period.label == "2027Q1" and period.deadline == dt.date(2027, 4, 5)
    with pytest.raises(ValidationError, match="已有季度 2027Q1"):
        plan_period_add(plan=world.plan_b, label="2027Q1", by=world.users.other_office)


# --- the page ----------------------------------------------------------------------------
@time_machine.travel("2026-12-01 09:00 +0800", tick=False)
def test_the_office_sets_the_schedule_on_its_page(world, login):
    client = login(world.users.office)
    url = reverse("plans:schedule", args=[world.plan_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and "季后报送天数" in page.content.decode()
    response = client.post(
        url,
        {"first_period": "2027Q1", "last_period": "2027Q2", "deadline_days": "10", "window_days": "25",
         "indicator_quarters": ["2", "4"]},
        follow=True,
    )  # fmt: skip
    body = response.content.decode()
    assert "新建 2 个季度" in body and "2027年第二季度" in body
    assert labels(world.plan_a) == ["2027Q1", "2027Q2"]


def test_the_schedule_page_shows_a_bad_quarter_beside_the_field(world, login):
    client = login(world.users.office)
    url = reverse("plans:schedule", args=[world.plan_a.pk])
    response = client.post(url, {"first_period": "2027Q9", "last_period": "2027Q2", "deadline_days": "10",
                                 "window_days": "25"})  # fmt: skip
    assert response.status_code == 400
    assert "季度应写作" in response.content.decode()
    assert labels(world.plan_a) == ["2026Q1"]


@pytest.mark.parametrize("who,status", [("other_office", 404), ("owner", 404), ("leader", 403)])
def test_only_the_plans_office_reaches_the_schedule(world, login, who, status):
    client = login(getattr(world.users, who))
    url = reverse("plans:schedule", args=[world.plan_a.pk])
    assert client.get(url).status_code == status
    body = {"first_period": "2027Q1", "last_period": "2027Q4", "deadline_days": "10", "window_days": "25"}
    assert client.post(url, body).status_code == status
    assert labels(world.plan_a) == ["2026Q1"]


# --- POST /api/periods/ --------------------------------------------------------------------
def api_post(client, body):
    return client.post("/api/periods/", body, content_type="application/json")


def test_the_office_adds_a_quarter_through_the_api(world, login):
    client = login(world.users.office)
    response = api_post(client, {"plan": world.plan_a.pk, "label": "2027Q1"})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["label"] == "2027Q1" and data["plan"] == world.plan_a.pk
    assert data["deadline"] == "2027-04-10" and data["opens_on"] == "2027-03-16"
    dated = api_post(client, {"plan": world.plan_a.pk, "label": "2027Q2", "deadline": "2027-07-20"})
    assert dated.status_code == 201 and dated.json()["deadline"] == "2027-07-20"


@pytest.mark.parametrize(
    "label,message",
    [("2026Q1", "已有季度"), ("2027Q5", "季度应写作"), ("2027-1", "季度应写作"), ("3027Q1", "年份应在")],
)
def test_a_duplicate_or_malformed_label_is_a_400_with_a_message(world, login, label, message):
    response = api_post(login(world.users.office), {"plan": world.plan_a.pk, "label": label})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert labels(world.plan_a) == ["2026Q1"]


@pytest.mark.parametrize("who,status", [("other_office", 404), ("owner", 403), ("leader", 403)])
def test_nobody_but_the_office_adds_a_quarter(world, login, who, status):
    response = api_post(login(getattr(world.users, who)), {"plan": world.plan_a.pk, "label": "2027Q1"})
    assert response.status_code == status
    assert labels(world.plan_a) == ["2026Q1"]


def test_anonymous_api_clients_add_no_quarter(world, client):
    assert api_post(client, {"plan": world.plan_a.pk, "label": "2027Q1"}).status_code == 401
    assert labels(world.plan_a) == ["2026Q1"]


def test_the_office_switches_the_review_mode_and_it_is_audited(login, world):
    from agencies.models import AuditEntry

    url = reverse("plans:schedule", args=[world.plan_a.pk])
    client = login(world.users.office)
    body = client.get(url).content.decode()
    assert "审核方式" in body and "牵头单位汇总" in body
    response = client.post(url, {"form": "review_mode", "review_mode": "office_reviews_all"})
    assert response.status_code == 302
    world.plan_a.refresh_from_db()
    assert world.plan_a.review_mode == "office_reviews_all"
    entry = AuditEntry.objects.get(action="plan.review_mode")
    assert entry.changes == {"review_mode": ["lead_consolidates", "office_reviews_all"]}
    client.post(url, {"form": "review_mode", "review_mode": "nonsense"})
    world.plan_a.refresh_from_db()
    assert world.plan_a.review_mode == "office_reviews_all"
    # Agencies may not switch it.
    login(world.users.owner).post(url, {"form": "review_mode", "review_mode": "lead_consolidates"})
    world.plan_a.refresh_from_db()
    assert world.plan_a.review_mode == "office_reviews_all"
