"""The region briefing: an upper leader's PDF one level up from the plan briefing, read
back with pdftotext, with the region page's access."""

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from reports import rollups
from tasks.handdown import task_hand_down
from tests import factories as f

pytestmark = pytest.mark.django_db


def pdf_text(content, tmp_path) -> str:
    path = tmp_path / "region.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True
    ).stdout.decode()


def url(region, label="2026Q3"):
    return reverse("reports:region-briefing", args=[region.pk]) + f"?period={label}"


@pytest.fixture
def handed(chain):
    task_hand_down(
        task=chain.upper,
        plans=[chain.county_plan],
        links={chain.county_plan.pk: chain.county_task.pk},
        by=chain.users.city_office,
    )
    for plan in (chain.county_plan, chain.county2_plan):
        f.PeriodFactory(plan=plan, year=2026, quarter=2)
    f.ReportFactory(
        task=chain.county_task, agency=chain.county_lead, period=chain.periods[chain.county_plan.pk],
        state="submitted", status="in_progress", percent=Decimal("40"),
        submitted_at=dt.datetime(2026, 9, 28, tzinfo=dt.UTC),
    )  # fmt: skip
    rollups.recompute_marked(today=dt.date(2026, 10, 20))
    rollups.rollup_regions({(chain.city.pk, "2026Q3"), (chain.province.pk, "2026Q3")})
    return chain


def test_the_city_leader_reads_the_counties_ranked_and_the_tasks_handed_down(handed, client, tmp_path):
    client.force_login(handed.users.city_leader)
    response = client.get(url(handed.city))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "岳阳市碳达峰工作区域简报" in text and "2026年第三季度" in text
    assert "下级方案排名" in text
    ranking = text[text.index("下级方案排名") : text.index("上级任务下达落实情况")]
    # 岳阳县 reported 40 %, 平江县 nothing: 岳阳县 ranks first.
    assert ranking.index("岳阳县碳达峰实施方案") < ranking.index("平江县碳达峰实施方案")
    handed_section = text[text.index("上级任务下达落实情况") :]
    assert handed.upper.title in handed_section and "平江县" in handed_section
    assert "沅陵县" not in text


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("city_office", 200),
        ("city_leader", 200),
        ("province_leader", 200),
        ("city_plan_office", 404),
        ("county_office", 404),
        ("county_agency", 404),
        ("sibling_office", 404),
    ],
)
def test_the_region_briefing_has_the_region_pages_access(handed, client, who, status):
    client.force_login(getattr(handed.users, who))
    assert client.get(url(handed.city)).status_code == status
    assert client.get(reverse("reports:region", args=[handed.city.pk])).status_code == status


def test_a_token_fetches_it_and_an_unknown_quarter_is_refused(handed, client):
    token = Token.objects.create(user=handed.users.province_leader)
    response = client.get(url(handed.city), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert client.get(url(handed.city)).status_code == 302  # no session, no token: log in
    client.force_login(handed.users.city_leader)
    refused = client.get(url(handed.city, "2031Q9"))
    assert refused.status_code == 400 and "2031Q9" in refused.content.decode()


def test_the_region_briefing_costs_the_same_queries_whatever_the_number_of_plans(
    handed, client, django_assert_max_num_queries
):
    client.force_login(handed.users.city_leader)
    client.get(url(handed.city))
    with django_assert_max_num_queries(40) as few:
        client.get(url(handed.city))
    for n in range(5):
        region = f.RegionFactory(name=f"新县{n}", parent=handed.city)
        plan = f.PlanFactory(region=region, title=f"新县{n}方案")
        f.PeriodFactory(plan=plan, year=2026, quarter=3)
        lower = f.TaskFactory(action=f.ActionFactory(plan=plan), title=f"光伏{n}")
        task_hand_down(
            task=handed.upper, plans=[plan], links={plan.pk: lower.pk}, by=handed.users.city_office
        )
    rollups.recompute_marked(today=dt.date(2026, 10, 20))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url(handed.city)).status_code == 200


def test_the_region_page_offers_the_briefing_and_lists_the_tasks_handed_down(handed, client):
    client.force_login(handed.users.city_office)
    page = client.get(reverse("reports:region", args=[handed.city.pk]) + "?period=2026Q3").content.decode()
    assert url(handed.city).replace("?", "?") in page.replace("&amp;", "&")
    section = page[page.index('id="handed-down"') :]
    assert handed.upper.title in section and "岳阳县" in section and "平江县" in section


def test_the_handed_down_table_exports_to_excel_with_each_answer_and_each_gap(handed, client):
    import io

    import pandas as pd

    client.force_login(handed.users.city_office)
    response = client.get(
        reverse("reports:region", args=[handed.city.pk]) + "?period=2026Q3&table=handed-down&format=xlsx"
    )
    assert response.status_code == 200
    sheet = pd.read_excel(
        io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content])),
        dtype=str,
    )
    rows = sheet.fillna("").values.tolist()
    upper = f"1.1 {handed.upper.title}"
    assert [
        upper,
        "岳阳县",
        "岳阳县碳达峰实施方案",
        f"1.1 {handed.county_task.title}",
        "关联已有任务",
    ] == rows[0][:5]
    assert [upper, "平江县", "平江县碳达峰实施方案", "", "尚未下达"] == rows[1][:5]
    assert len(rows) == 2


def test_the_region_page_tells_plans_handed_a_task_and_waiting_from_plans_not_handed_it(handed, client):
    """平江县 handed the task for its office to answer (待落实) is listed apart from a plan
    not handed it, with the way to chase it for the city office; the export says the same."""
    import io

    import pandas as pd

    sibling_county = f.RegionFactory(name="华容县", level="county", parent=handed.city)
    f.PlanFactory(region=sibling_county, title="华容县碳达峰实施方案")
    task_hand_down(
        task=handed.upper, plans=[handed.county2_plan], waiting=[handed.county2_plan.pk],
        by=handed.users.city_office,
    )  # fmt: skip
    client.force_login(handed.users.city_office)
    base = reverse("reports:region", args=[handed.city.pk]) + "?period=2026Q3"
    page = client.get(base).content.decode()
    row = page[page.index('id="handed-down"') :].split("</tr>")[1]
    waiting, not_handed = row.split("已下达、待下级落实")[1].split("尚未下达")
    assert "平江县" in waiting and "华容县" not in waiting
    assert "华容县" in not_handed and "平江县" not in not_handed
    chase = reverse("reports:dashboard-task", args=[handed.city_plan.pk, handed.upper.pk])
    assert f"{chase}?period=2026Q3#handed-down-waiting" in waiting
    # The city's leader reads the same split, without the chase.
    client.force_login(handed.users.city_leader)
    page = client.get(base).content.decode()
    row = page[page.index('id="handed-down"') :].split("</tr>")[1]
    assert "已下达、待下级落实" in row and "#handed-down-waiting" not in row
    response = client.get(base + "&table=handed-down&format=xlsx")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = pd.read_excel(io.BytesIO(body), dtype=str)
    states = {row[1]: row[4] for row in sheet.fillna("").values.tolist()}
    assert states == {"岳阳县": "关联已有任务", "平江县": "已下达、待下级落实", "华容县": "尚未下达"}
