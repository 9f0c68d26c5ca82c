"""The upper task's page lists the lower tasks answering it, and the upper office hands
the task down from a page of its own."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from reports import rollups
from tasks.handdown import task_hand_down
from tasks.models import Task
from tests import factories as f

pytestmark = pytest.mark.django_db


def task_page(task, label="2026Q3"):
    return reverse("reports:dashboard-task", args=[task.action.plan_id, task.pk]) + f"?period={label}"


def link(chain, lower):
    task_hand_down(
        task=chain.upper,
        plans=[lower.action.plan],
        links={lower.action.plan_id: lower.pk},
        by=chain.users.city_office,
    )


def test_the_upper_task_page_shows_each_lower_task_and_the_plans_not_linked_yet(chain, client):
    link(chain, chain.county_task)
    period = chain.periods[chain.county_plan.pk]
    f.ReportFactory(
        task=chain.county_task, agency=chain.county_lead, period=period, state="submitted",
        status="in_progress", percent=Decimal("45"), progress_text="已并网 12 万千瓦",
        submitted_at=dt.datetime(2026, 9, 28, tzinfo=dt.UTC),
    )  # fmt: skip
    f.IndicatorValueFactory(
        indicator=chain.county_indicator, period=period, agency=chain.county_lead, value=12
    )
    rollups.recompute_marked(today=dt.date(2026, 9, 30))
    client.force_login(chain.users.city_office)
    page = client.get(task_page(chain.upper)).content.decode()
    section = page[page.index('id="handed-down"') :]
    assert "岳阳县" in section and chain.county_task.title in section
    assert "已并网 12 万千瓦" in section and "45%" in section
    assert "新增光伏装机容量：12 / 30万千瓦" in section
    assert "尚未下达的下级方案" in section and "平江县碳达峰实施方案" in section
    assert "沅陵县" not in section  # a sibling city's county is not below
    assert reverse("tasks:hand_down", args=[chain.upper.pk]) in page
    assert reverse("tasks:unlink", args=[chain.county_task.pk]) in page


def test_the_upper_task_page_costs_the_same_queries_whatever_the_number_of_lower_tasks(
    chain, client, django_assert_max_num_queries
):
    link(chain, chain.county_task)
    client.force_login(chain.users.city_office)
    client.get(task_page(chain.upper))  # warm the caches a first request fills
    with django_assert_max_num_queries(32) as one:
        assert client.get(task_page(chain.upper)).status_code == 200
    for n in range(6):
        region = f.RegionFactory(name=f"新县{n}", parent=chain.city)
        plan = f.PlanFactory(region=region, title=f"新县{n}方案")
        f.PeriodFactory(plan=plan, year=2026, quarter=3)
        lower = f.TaskFactory(action=f.ActionFactory(plan=plan), title=f"光伏{n}")
        f.IndicatorFactory(plan=plan, task=lower, name="新增光伏装机容量", unit="万千瓦", target=5)
        link(chain, lower)
    rollups.recompute_marked(today=dt.date(2026, 9, 30))
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(task_page(chain.upper)).content.decode()
    assert page.count("新增光伏装机容量：") == 7


def test_the_lower_office_sees_what_its_task_answers_and_cannot_take_the_link_back(chain, client):
    link(chain, chain.county_task)
    client.force_login(chain.users.county_office)
    page = client.get(task_page(chain.county_task)).content.decode()
    assert "承接上级任务" in page and chain.upper.title in page and "本级不能解除" in page
    assert reverse("tasks:unlink", args=[chain.county_task.pk]) not in page
    # It cannot open the city's task page: the link names the task without opening it.
    assert task_page(chain.upper).split("?")[0] not in page
    assert client.post(reverse("tasks:unlink", args=[chain.county_task.pk])).status_code == 403
    chain.county_task.refresh_from_db()
    assert chain.county_task.parent == chain.upper


def test_the_office_hands_the_task_down_from_its_page_with_a_suggested_link_and_a_split(chain, client):
    client.force_login(chain.users.city_office)
    url = reverse("tasks:hand_down", args=[chain.upper.pk])
    page = client.get(url).content.decode()
    assert f'<option value="{chain.county_task.pk}">' in page  # suggested, for the office to confirm
    assert "沅陵县" not in page
    bad = client.post(
        url,
        {
            f"plan_{chain.county_plan.pk}": "1",
            f"link_{chain.county_plan.pk}": str(chain.county_task.pk),
            f"plan_{chain.county2_plan.pk}": "1",
            f"target_{chain.county2_plan.pk}_{chain.upper_indicator.pk}": "四十",
            "title": "推进光伏发电（下达）",
        },
    )
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "分解目标不是有效数字" in body and 'value="四十"' in body and "推进光伏发电（下达）" in body
    assert not Task.objects.filter(parent=chain.upper).exists()
    good = client.post(
        url,
        {
            f"plan_{chain.county_plan.pk}": "1",
            f"link_{chain.county_plan.pk}": str(chain.county_task.pk),
            f"plan_{chain.county2_plan.pk}": "1",
            f"target_{chain.county2_plan.pk}_{chain.upper_indicator.pk}": "40",
            "title": "推进光伏发电（下达）",
        },
    )
    assert good.status_code == 302
    lower = Task.objects.get(parent=chain.upper, action__plan=chain.county2_plan)
    assert lower.title == "推进光伏发电（下达）" and lower.indicators.get().target == Decimal("40")
    assert Task.objects.get(pk=chain.county_task.pk).parent == chain.upper


@pytest.mark.parametrize(
    ("who", "hand_down", "source"),
    [
        ("city_office", 200, 302),
        ("city_plan_office", 200, 302),
        ("city_leader", 403, 403),
        ("province_leader", 403, 403),
        ("city_agency", 404, 404),
        ("county_office", 404, 404),
        ("county_agency", 404, 404),
        ("sibling_office", 404, 404),
    ],
)
def test_only_the_upper_office_opens_the_hand_down_page_and_sets_the_progress_source(
    chain, client, who, hand_down, source
):
    client.force_login(getattr(chain.users, who))
    assert client.get(reverse("tasks:hand_down", args=[chain.upper.pk])).status_code == hand_down
    url = reverse("tasks:progress_source", args=[chain.upper.pk])
    assert client.post(url, {"progress_source": "children_average"}).status_code == source
    chain.upper.refresh_from_db()
    assert chain.upper.progress_source == ("children_average" if source == 302 else "own")


def test_the_lower_plans_breakdown_marks_the_tasks_answering_an_upper_task(chain, client):
    link(chain, chain.county_task)
    client.force_login(chain.users.county_office)
    page = client.get(reverse("plans:detail", args=[chain.county_plan.pk])).content.decode()
    assert f"承接岳阳市 1.1 {chain.upper.title}" in page
    assert page.count("承接岳阳市") == 1
