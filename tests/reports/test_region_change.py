"""The region page ranks the plans (and, at a province, the regions) below with their
change since last quarter, from the stored rollups, on the page and in its Excel export,
the same change the region briefing and the upper office's home show."""

import datetime as dt
import io
import re
from decimal import Decimal

import pandas as pd
import pytest
import time_machine
from django.urls import reverse

from reports import rollups
from reports.dashboards.changes import ranked_plans
from reports.dashboards.region import region_dashboard
from reports.models import Rollup
from tests import factories as f

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2026, 10, 20, 10, tzinfo=dt.UTC)


def report(task, agency, period, percent, state="approved"):
    return f.ReportFactory(
        task=task, agency=agency, period=period, state=state, status="in_progress",
        percent=Decimal(percent), submitted_at=dt.datetime(2026, 10, 5, tzinfo=dt.UTC),
    )  # fmt: skip


@pytest.fixture
def quarters(chain):
    """岳阳县 fell from 80 % to 30 % on its 光伏 task and its 新能源汽车 task stayed
    unreported; 平江县 reported only in 2026Q3; 沅陵县 (怀化市) reported in both."""
    county_q2 = f.PeriodFactory(plan=chain.county_plan, year=2026, quarter=2)
    sibling_q2 = f.PeriodFactory(plan=chain.sibling_plan, year=2026, quarter=2)
    report(chain.county_task, chain.county_lead, county_q2, "80")
    report(chain.county_task, chain.county_lead, chain.periods[chain.county_plan.pk], "30")
    report(chain.county2_task, chain.county2_lead, chain.periods[chain.county2_plan.pk], "60")
    sibling_lead = f.AgencyFactory(region=chain.sibling_plan.region, name="县发改局")
    f.AssignmentFactory(task=chain.sibling_task, agency=sibling_lead, role="lead")
    report(chain.sibling_task, sibling_lead, sibling_q2, "20")
    report(chain.sibling_task, sibling_lead, chain.periods[chain.sibling_plan.pk], "45")
    rollups.recompute_marked(today=DAY.date())
    for label in ("2026Q2", "2026Q3"):
        rollups.rollup_regions({(r.pk, label) for r in (chain.city, chain.sibling, chain.province)})
    return chain


def plan_row(page, plan):
    table = page[page.index('id="region-plans"') :].split("</table>")[0]
    return next(row for row in table.split("<tr>") if plan.title in row)


def change_of(plan, before="2026Q2", now="2026Q3"):
    get = lambda label: Rollup.objects.get(scope="plan", plan=plan, period_label=label)  # noqa: E731
    return get(now).completion - get(before).completion, get(now).red - get(before).red


@time_machine.travel(DAY, tick=False)
def test_the_city_page_shows_each_plans_change_since_last_quarter(quarters, client):
    client.force_login(quarters.users.city_office)
    page = client.get(reverse("reports:region", args=[quarters.city.pk]) + "?period=2026Q3").content.decode()
    completion, red = change_of(quarters.county_plan)
    assert completion < 0
    fell = plan_row(page, quarters.county_plan)
    assert f"−{abs(completion):.1f}" in fell
    if red:
        assert f"红灯 {'+' if red > 0 else '−'}{abs(red)}" in fell
    # 平江县 has no figures for 2026Q2: a dash, not a change from nothing.
    assert re.search(
        r'<td class="num change"><span class="muted"[^>]*>—</span></td>',
        plan_row(page, quarters.county2_plan),
    )


@time_machine.travel(DAY, tick=False)
def test_the_page_the_export_and_the_briefing_share_one_change(quarters, client):
    client.force_login(quarters.users.city_office)
    url = reverse("reports:region", args=[quarters.city.pk]) + "?period=2026Q3&table=plans&format=xlsx"
    sheet = pd.read_excel(io.BytesIO(client.get(url).content)).set_index("地区")
    briefing = {
        row.plan.pk: row for row in ranked_plans(region_dashboard(quarters.city, "2026Q3", page=None))
    }
    fell = briefing[quarters.county_plan.pk]
    assert sheet.loc["岳阳县", "完成进度较上季度（百分点）"] == pytest.approx(float(fell.completion_change))
    assert sheet.loc["岳阳县", "红灯较上季度"] == fell.red_change
    assert (float(fell.completion_change), fell.red_change) == tuple(
        float(x) if i == 0 else x for i, x in enumerate(change_of(quarters.county_plan))
    )
    assert pd.isna(sheet.loc["平江县", "完成进度较上季度（百分点）"])


@time_machine.travel(DAY, tick=False)
def test_the_province_page_shows_each_citys_change_from_its_region_rollups(quarters, client):
    client.force_login(quarters.users.province_leader)
    base = reverse("reports:region", args=[quarters.province.pk]) + "?period=2026Q3"
    page = client.get(base).content.decode()
    table = page[page.index('id="region-children"') :].split("</table>")[0]
    row = next(r for r in table.split("<tr>") if "怀化市" in r)
    get = lambda label: Rollup.objects.get(scope="region", region=quarters.sibling, period_label=label)  # noqa: E731
    rose = get("2026Q3").completion - get("2026Q2").completion
    assert rose > 0 and f"+{rose:.1f}" in row
    sheet = pd.read_excel(io.BytesIO(client.get(base + "&table=regions&format=xlsx").content)).set_index(
        "地区"
    )
    assert sheet.loc["怀化市", "完成进度较上季度（百分点）"] == pytest.approx(float(rose))
