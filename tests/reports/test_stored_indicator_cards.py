"""Pages, exports and documents show an indicator as the rollup stored it: nothing is
assessed while they are served (only a card's sparkline reads values), so a page never
shows a live card beside a stored light that disagrees; one rule colours an indicator."""

import datetime as dt
from decimal import Decimal

import pytest

from indicators import trajectory
from indicators.models import IndicatorValue
from reports.briefing import BriefingExporter
from reports.dashboards import leader_summary, plan_dashboard
from reports.dashboards.region import region_dashboard
from reports.lights import indicator_level
from reports.models import TaskLight, WarningRule
from reports.rollups import recompute_marked, rollup_plan_period
from tests import factories as f

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 4, 20)


@pytest.fixture
def solar(world):
    """An indicator of task A1 on a path from 0 (end of 2024) to 100 (end of 2026): 62.5
    due at the end of 2026Q1; the lead reports 50 (12.5 points behind: yellow)."""
    indicator = f.IndicatorFactory(
        plan=world.plan_a, task=world.task_a1, name="光伏装机", unit="万千瓦", target=Decimal(100),
        target_year=2026, baseline_value=Decimal(0), baseline_year=2024,
    )  # fmt: skip
    f.IndicatorValueFactory(indicator=indicator, period=world.period_a, agency=world.own, value=Decimal(50))
    rollup_plan_period(plan=world.plan_a, period=world.period_a, today=TODAY)
    return indicator


def _card(cards, indicator):
    return next(c for c in cards if c.indicator == indicator)


@pytest.fixture
def no_assessing(monkeypatch):
    """Fails the test if anything assesses an indicator while it is active."""

    def refuse(*args, **kwargs):
        raise AssertionError("an indicator was assessed while a page was served")

    monkeypatch.setattr(trajectory, "assess", refuse)


def test_every_page_shows_the_stored_assessment_until_the_change_is_counted(
    world, solar, login, no_assessing
):
    IndicatorValue.objects.filter(indicator=solar).update(value=Decimal(80))
    office, leader = login(world.users.office), login(world.users.leader)
    base = f"/reports/plans/{world.plan_a.pk}/"
    pages = {
        "dashboard": office.get(base + "dashboard/?period=2026Q1").context["board"].indicators,
        "drill-down": office.get(base + f"dashboard/tasks/{world.task_a1.pk}/?period=2026Q1")
        .context["drill"]
        .indicators,
        "leader": leader.get(base + "leader/?period=2026Q1").context["summary"].indicators,
        "briefing": BriefingExporter(plan=world.plan_a, period=world.period_a).context()["indicators"],
    }
    # The stored light gives the task's indicator 12.5 points behind, as the cards do.
    light = TaskLight.objects.get(task=world.task_a1, period=world.period_a)
    assert {"code": "indicator_lag", "params": {"name": "光伏装机", "expected": "62.5", "completion": "50",
            "behind": "12.5"}} in light.reason_codes  # fmt: skip
    for name, cards in pages.items():
        card = _card(cards, solar)
        # The stored 50, not the 80 entered since.
        assert (card.value, card.behind_pct, card.level, card.attainment) == (
            Decimal(50), Decimal("12.5"), "yellow", Decimal(50),
        ), name  # fmt: skip
    # The sparkline is the one live read: it already draws the new value.
    assert [p["value"] for p in _card(pages["dashboard"], solar).series] == [Decimal(80)]


def test_once_counted_the_pages_show_the_new_value(world, solar):
    IndicatorValue.objects.filter(indicator=solar).update(value=Decimal(80))
    assert [world.plan_a.pk, world.period_a.pk] in recompute_marked(today=TODAY)
    card = _card(plan_dashboard(world.plan_a, world.period_a).indicators, solar)
    assert (card.value, card.status, card.level, card.progress_text) == (
        Decimal(80),
        "on_track",
        "green",
        "应达 62.5%，实际 80%，不落后",
    )
    assert card.baseline_text == "0万千瓦（2024年）"


def test_a_baseline_taken_from_the_first_value_names_its_quarter_without_reading_values(world, monkeypatch):
    earlier = f.PeriodFactory(plan=world.plan_a, year=2025, quarter=4)
    indicator = f.IndicatorFactory(
        plan=world.plan_a, task=world.task_a1, name="充电桩", unit="个", target=Decimal(100), target_year=2026,
    )  # fmt: skip
    f.IndicatorValueFactory(indicator=indicator, period=earlier, agency=world.own, value=Decimal(20))
    f.IndicatorValueFactory(indicator=indicator, period=world.period_a, agency=world.own, value=Decimal(40))
    recompute_marked(today=TODAY)
    monkeypatch.setattr(IndicatorValue.objects, "filter", None)  # no values are read for it
    card = _card(plan_dashboard(world.plan_a, world.period_a, series=False).indicators, indicator)
    assert card.baseline_text == "20个（2025Q4首次报送）"


def test_one_rule_colours_an_indicator_for_lights_cards_and_boards(world, solar):
    rule = WarningRule(plan=world.plan_a, red_behind_pct=Decimal(10), yellow_behind_pct=Decimal(5))
    assert indicator_level("behind", Decimal("12.5"), rule) == "red"
    assert indicator_level("behind", Decimal("7"), rule) == "yellow"
    assert indicator_level("missed", None, rule) == "red"
    assert indicator_level("achieved", Decimal(0), rule) == "green"
    assert indicator_level("no_data", None, rule) == ""
    # The office tightens its rule: the light, the card and the city's board turn red together.
    WarningRule.objects.create(plan=world.plan_a, red_behind_pct=Decimal(10), yellow_behind_pct=Decimal(5))
    recompute_marked(today=TODAY)
    light = TaskLight.objects.get(task=world.task_a1, period=world.period_a)
    card = _card(plan_dashboard(world.plan_a, world.period_a).indicators, solar)
    # A second county of the same city with the same indicator: the city's board compares them.
    city = f.RegionFactory(name="甲市", level="city")
    for county in (world.county_a, world.county_b):
        county.parent = city
        county.save()
    other = f.IndicatorFactory(
        plan=world.plan_b, task=world.task_b1, name="光伏装机", unit="万千瓦", target=Decimal(100),
        target_year=2026, baseline_value=Decimal(0), baseline_year=2024,
    )  # fmt: skip
    f.IndicatorValueFactory(indicator=other, period=world.period_b, agency=world.stranger, value=Decimal(60))
    recompute_marked(today=TODAY)
    cell = next(s for s in region_dashboard(city, "2026Q1").shared if s.name == "光伏装机").cells[
        world.plan_a.pk
    ]
    assert (light.level, card.level, cell.level) == ("red", "red", "red")


def test_the_leader_reads_the_indicator_counts_the_rollup_stored(world, solar):
    f.IndicatorFactory(
        plan=world.plan_a, task=None, name="单位GDP能耗下降", target=Decimal(3), target_year=2026
    )
    recompute_marked(today=TODAY)
    summary = leader_summary(world.plan_a, world.period_a)
    overall = summary.overall
    assert (summary.indicators_on_track, summary.indicators_behind, summary.indicators_no_data) == (
        overall.indicators_on_track,
        overall.indicators_behind,
        overall.indicators_no_data + overall.indicators_no_baseline,
    )
    cards = summary.indicators
    assert summary.indicators_behind == sum(c.status in ("behind", "missed") for c in cards) == 1
    assert summary.indicators_no_data == sum(
        not c.is_on_track and c.status not in ("behind", "missed") for c in cards
    )
