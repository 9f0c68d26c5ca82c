"""One quarter module: labels, bounds and the deadline / entry-window rule are written once
(tasks.periods), and every way a quarter comes to exist gives it the same dates."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from plans.models import PlanSchedule
from plans.schedule import plan_schedule_set
from plans.setup_forms import ScheduleForm
from tasks.models import ReportingPeriod
from tasks.periods import (
    DEADLINE_DAYS,
    WINDOW_DAYS,
    PeriodRule,
    label_parse,
    period_add,
    period_build,
    period_get_or_create,
    quarter_bounds,
    quarter_of,
    quarters_between,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "label,expected",
    [("2027Q1", (2027, 1)), (" 2027q4 ", (2027, 4)), ("2000Q2", (2000, 2)), ("2100Q3", (2100, 3))],
)
def test_a_label_reads_as_its_year_and_quarter(label, expected):
    assert label_parse(label) == expected


@pytest.mark.parametrize(
    "label,message",
    [("2027Q5", "季度应写作"), ("2027-1", "季度应写作"), ("27Q1", "季度应写作"), ("", "季度应写作"),
     (None, "季度应写作"), ("1999Q4", "年份应在"), ("2101Q1", "年份应在")],
)  # fmt: skip
def test_a_malformed_label_is_refused_on_the_field_it_came_from(label, message):
    with pytest.raises(ValidationError) as caught:
        label_parse(label, field="first_period")
    assert list(caught.value.message_dict) == ["first_period"]
    assert message in caught.value.message_dict["first_period"][0]


def test_bounds_cover_every_day_of_the_year_once_leap_years_included():
    for year in (2026, 2028):
        days = []
        for quarter in range(1, 5):
            start, end = quarter_bounds(year, quarter)
            days += [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
            assert all(quarter_of(day) == (year, quarter) for day in (start, end))
        assert days == [dt.date(year, 1, 1) + dt.timedelta(days=n) for n in range(len(days))]
        assert days[-1] == dt.date(year, 12, 31)
    assert list(quarters_between((2026, 3), (2027, 2))) == [(2026, 3), (2026, 4), (2027, 1), (2027, 2)]


def test_the_default_rule_is_due_ten_days_after_the_quarter_and_opens_fifteen_days_before_it_ends(world):
    for quarter, deadline, opens_on in [
        (1, dt.date(2027, 4, 10), dt.date(2027, 3, 16)),
        (2, dt.date(2027, 7, 10), dt.date(2027, 6, 15)),
        (3, dt.date(2027, 10, 10), dt.date(2027, 9, 15)),
        (4, dt.date(2028, 1, 10), dt.date(2027, 12, 16)),
    ]:
        period = period_build(plan=world.plan_a, year=2027, quarter=quarter)
        assert (period.deadline, period.opens_on) == (deadline, opens_on)
        assert period.deadline == period.ends_on + dt.timedelta(days=DEADLINE_DAYS)
        assert period.opens_on == period.deadline - dt.timedelta(days=WINDOW_DAYS)


@time_machine.travel("2026-12-01 09:00 +0800", tick=False)
def test_every_way_a_quarter_is_made_gives_it_the_same_default_dates(world, login):
    """The schedule page with its initial values, the API without a schedule and the
    get-or-create write agree: one set of defaults."""

    def dates(period):
        return (period.starts_on, period.ends_on, period.opens_on, period.deadline)

    expected = dates(period_build(plan=world.plan_b, year=2027, quarter=1))
    api = login(world.users.office).post(
        "/api/periods/", {"plan": world.plan_a.pk, "label": "2027Q1"}, content_type="application/json"
    )
    assert api.status_code == 201
    from_api = ReportingPeriod.objects.get(plan=world.plan_a, label="2027Q1")
    made = period_get_or_create(plan=world.plan_a, year=2027, quarter=2)
    assert made.deadline == dt.date(2027, 7, 10)
    form = ScheduleForm()
    plan_schedule_set(
        plan=world.plan_b, first_period="2027Q1", last_period="2027Q1", by=world.users.other_office,
        deadline_days=form.fields["deadline_days"].initial, window_days=form.fields["window_days"].initial,
    )  # fmt: skip
    from_schedule = ReportingPeriod.objects.get(plan=world.plan_b, label="2027Q1")
    assert dates(from_api) == dates(from_schedule) == expected
    # The stored schedule's own defaults are the same rule.
    for name, value in (("deadline_days", DEADLINE_DAYS), ("window_days", WINDOW_DAYS)):
        assert PlanSchedule._meta.get_field(name).default == value


def test_a_quarter_added_after_the_schedule_changes_follows_the_new_rule(world):
    plan_schedule_set(
        plan=world.plan_b, first_period="2026Q1", last_period="2026Q1", deadline_days=5, window_days=30,
        by=world.users.other_office,
    )  # fmt: skip
    assert PeriodRule.of_plan(world.plan_b) == PeriodRule(deadline_days=5, window_days=30)
    plan_schedule_set(
        plan=world.plan_b, first_period="2026Q1", last_period="2026Q1", deadline_days=20, window_days=40,
        by=world.users.other_office,
    )  # fmt: skip
    # The same plan object, whose schedule was cached by the first read, sees the new rule.
    period = period_add(plan=world.plan_b, label="2027Q1", by=world.users.other_office)
    assert (period.deadline, period.opens_on) == (dt.date(2027, 4, 20), dt.date(2027, 3, 11))
    assert PeriodRule.of_plan(world.plan_a) == PeriodRule()


def test_a_rule_out_of_bounds_is_refused_on_its_field(world):
    with pytest.raises(ValidationError) as caught:
        plan_schedule_set(
            plan=world.plan_b, first_period="2027Q1", last_period="2027Q1", deadline_days=91, window_days=0,
            by=world.users.other_office,
        )  # fmt: skip
    assert set(caught.value.message_dict) == {"deadline_days", "window_days"}
    assert not PlanSchedule.objects.exists()
