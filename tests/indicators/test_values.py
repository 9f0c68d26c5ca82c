from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from indicators.models import Indicator, IndicatorValue
from indicators.services import indicator_value_parse, indicator_value_warnings, indicator_values_save
from tasks.services import report_get_or_create
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "value"), [("1,234.5", Decimal("1234.5")), (" 30 ", Decimal("30")), ("", None)]
)
def test_numbers_are_read_as_people_write_them(text, value):
    assert indicator_value_parse(text) == value


@pytest.mark.parametrize("text", ["三十", "1e999", "NaN", "12个"])
def test_anything_else_is_refused_with_a_message(text):
    with pytest.raises(ValidationError):
        indicator_value_parse(text, label="装机容量")


def test_a_rising_target_warns_when_the_value_falls(world):
    notes = indicator_value_warnings(world.indicator_a, Decimal(5), Decimal(10))
    assert any("与目标方向相反" in n for n in notes)
    assert indicator_value_warnings(world.indicator_a, Decimal(12), Decimal(10)) == []


def test_a_falling_target_warns_when_the_value_rises(world):
    energy = f.IndicatorFactory(
        plan=world.plan_a, name="单位GDP能耗", unit="吨标煤/万元", comparator="<=", target=Decimal("0.5")
    )
    assert indicator_value_warnings(energy, Decimal("0.6"), Decimal("0.55"))
    assert indicator_value_warnings(energy, Decimal("0.52"), Decimal("0.55")) == []


def test_implausible_values_warn(world):
    assert any("10倍" in n for n in indicator_value_warnings(world.indicator_a, Decimal(3000), None))
    assert any("负数" in n for n in indicator_value_warnings(world.indicator_a, Decimal(-1), None))
    share = f.IndicatorFactory(plan=world.plan_a, name="非化石能源占比", unit="%", target=Decimal(25))
    assert any("超过100" in n for n in indicator_value_warnings(share, Decimal(120), None))


def test_saving_values_with_a_report_records_source_and_removes_blanks(world):
    report = report_get_or_create(task=world.task_a1, agency=world.own, period=world.period_a, by=None)
    changes, warnings = indicator_values_save(
        report=report, values={str(world.indicator_a.pk): "12"}, by=world.users.owner
    )
    value = IndicatorValue.objects.get()
    assert (value.value, value.agency, value.report, value.entered_by) == (
        12,
        world.own,
        report,
        world.users.owner,
    )
    assert changes == {"新增公共充电桩": [None, "12"]} and warnings == []
    changes, _ = indicator_values_save(
        report=report, values={str(world.indicator_a.pk): ""}, by=world.users.owner
    )
    assert not IndicatorValue.objects.exists() and changes == {"新增公共充电桩": ["12", None]}


def test_an_indicator_of_another_task_is_refused(world):
    report = report_get_or_create(task=world.task_a1, agency=world.own, period=world.period_a, by=None)
    foreign = Indicator.objects.create(plan=world.plan_b, task=world.task_b1, name="外方案指标", target=1)
    with pytest.raises(ValidationError) as caught:
        indicator_values_save(report=report, values={str(foreign.pk): "1"}, by=None)
    assert f"ind_{foreign.pk}" in caught.value.message_dict


def test_the_previous_value_prefers_the_agencys_own_latest_quarter(world):
    from indicators.services import indicator_previous_values

    q3 = f.PeriodFactory(plan=world.plan_a, year=2025, quarter=3)
    q4 = f.PeriodFactory(plan=world.plan_a, year=2025, quarter=4)
    f.IndicatorValueFactory(indicator=world.indicator_a, period=q3, agency=world.own, value=5)
    f.IndicatorValueFactory(indicator=world.indicator_a, period=q4, agency=world.own, value=7)
    f.IndicatorValueFactory(indicator=world.indicator_a, period=q4, agency=world.other, value=99)
    f.IndicatorValueFactory(indicator=world.indicator_a, period=world.period_a, agency=world.own, value=1000)
    previous = indicator_previous_values([world.indicator_a], world.period_a, world.own)
    assert previous[world.indicator_a.pk].value == 7
