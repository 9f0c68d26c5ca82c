"""Database rules reject bad rows; clean() says why in words before the database must."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agencies.models import Agency, Role
from indicators.models import Indicator, IndicatorValue
from reports.models import Rollup
from tasks.models import ProgressReport, ReportingPeriod, TaskAssignment
from tests import factories as f


def messages(exc):
    return " ".join(m for msgs in exc.message_dict.values() for m in msgs)


def test_a_second_report_for_the_same_task_agency_and_quarter_is_refused_with_a_message(world):
    ProgressReport.objects.create(task=world.task_a1, agency=world.own, period=world.period_a)
    duplicate = ProgressReport(task=world.task_a1, agency=world.own, period=world.period_a)
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert "已有此任务的填报" in messages(exc.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_completion_percent_must_lie_between_0_and_100(world):
    report = ProgressReport(
        task=world.task_a1, agency=world.own, period=world.period_a, percent=Decimal("120")
    )
    with pytest.raises(ValidationError) as exc:
        report.full_clean()
    assert "percent" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        report.save()


def test_one_value_per_indicator_quarter_and_agency(world):
    IndicatorValue.objects.create(
        indicator=world.indicator_a, period=world.period_a, agency=world.own, value=5
    )
    again = IndicatorValue(indicator=world.indicator_a, period=world.period_a, agency=world.own, value=6)
    with pytest.raises(ValidationError) as exc:
        again.full_clean()
    assert "已报送此指标" in messages(exc.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        again.save()


@pytest.mark.parametrize(
    "fields, field, words",
    [
        ({"comparator": "!="}, "comparator", "比较方式"),
        ({"target": Decimal("10"), "target_max": Decimal("5")}, "target_max", "目标上限"),
        ({"baseline_year": 2030, "target_year": 2025}, "baseline_year", "基期年份"),
    ],
)
def test_an_indicator_that_makes_no_sense_is_explained(world, fields, field, words):
    indicator = Indicator(
        **{"plan": world.plan_a, "name": "单位GDP能耗", "unit": "%", "target": Decimal("10"), **fields}
    )
    with pytest.raises(ValidationError) as exc:
        indicator.full_clean()
    assert field in exc.value.message_dict
    assert words in messages(exc.value)


def test_invalid_comparator_is_also_stopped_by_the_database(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.create(plan=world.plan_a, name="x", target=1, comparator="!")


def test_an_indicator_of_another_plans_task_is_refused(world):
    indicator = Indicator(plan=world.plan_a, task=world.task_b1, name="充电桩", target=Decimal("3"))
    with pytest.raises(ValidationError) as exc:
        indicator.full_clean()
    assert "不属于该方案" in messages(exc.value)


def test_a_quarter_is_numbered_1_to_4_and_its_deadline_follows_its_opening(world):
    period = ReportingPeriod(
        plan=world.plan_a,
        year=2026,
        quarter=5,
        label="2026Q5",
        starts_on=world.period_a.starts_on,
        ends_on=world.period_a.ends_on,
        opens_on=world.period_a.deadline,
        deadline=world.period_a.opens_on,
    )
    with pytest.raises(ValidationError) as exc:
        period.full_clean()
    assert {"quarter", "deadline"} <= set(exc.value.message_dict)
    with pytest.raises(IntegrityError), transaction.atomic():
        period.save()


def test_an_agency_is_assigned_once_per_task(world):
    duplicate = TaskAssignment(task=world.task_a1, agency=world.own, role="support")
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert "已分配" in messages(exc.value)


def test_agency_names_are_unique_within_a_region_but_not_across_regions(world):
    with pytest.raises(ValidationError) as exc:
        Agency(region=world.county_a, name="县发改局").full_clean()
    assert "同名单位" in messages(exc.value)
    Agency(region=world.county_b, name="县发改局").full_clean()


def test_staff_belong_to_an_agency_and_office_roles_have_a_scope(world):
    user = f.UserFactory(username="newcomer")
    with pytest.raises(ValidationError):
        Role(user=user, kind="staff").full_clean()
    with pytest.raises(ValidationError):
        Role(user=user, kind="office").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Role.objects.create(user=user, kind="staff")


@pytest.mark.parametrize(
    "scope, subject, words",
    [
        ("task", {}, "任务汇总应指定且只指定：方案、季度、任务"),
        ("task", {"action": True}, "任务汇总应指定且只指定：方案、季度、任务"),
        ("action", {"task": True}, "重点行动汇总应指定且只指定：方案、季度、重点行动"),
        ("agency", {}, "单位汇总应指定且只指定：方案、季度、单位"),
        ("plan", {"region": True}, "方案汇总应指定且只指定：方案、季度"),
    ],
)
def test_a_rollup_names_exactly_the_subject_its_scope_is_about(world, scope, subject, words):
    keys = {"action": world.action_a, "task": world.task_a1, "agency": world.own, "region": world.county_a}
    rollup = Rollup(
        scope=scope,
        plan=world.plan_a,
        period=world.period_a,
        period_label=world.period_a.label,
        **{key: keys[key] for key in subject},
    )
    with pytest.raises(ValidationError) as exc:
        rollup.full_clean()
    assert words in " ".join(exc.value.messages)
    with pytest.raises(IntegrityError), transaction.atomic():
        rollup.save()


def test_a_region_rollup_names_its_region_and_no_plan(world):
    stray = Rollup(scope="region", region=world.county_a, plan=world.plan_a, period_label="2026Q1")
    with pytest.raises(ValidationError) as exc:
        stray.full_clean()
    assert "地区汇总应指定且只指定：地区" in " ".join(exc.value.messages)
    with pytest.raises(IntegrityError), transaction.atomic():
        stray.save()


def test_rollups_of_every_scope_that_name_their_subject_are_accepted(world):
    base = {"plan": world.plan_a, "period": world.period_a, "period_label": world.period_a.label}
    rows = [
        Rollup(scope="plan", **base),
        Rollup(scope="action", action=world.action_a, **base),
        Rollup(scope="task", task=world.task_a1, **base),
        Rollup(scope="agency", agency=world.own, **base),
        Rollup(scope="region", region=world.county_a, period_label=world.period_a.label),
    ]
    for row in rows:
        row.full_clean()
        row.save()
    assert Rollup.objects.count() == 5
