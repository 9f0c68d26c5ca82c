"""The demo's 岳阳市 plan: the city office's own tasks, handed down to the 岳阳县 and 平江县
plans in every state (linked, created with a split target, not answered yet), so the
upper task's page has something to show on the day the demo is built."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from plans.demo import build_demo
from plans.demo_city import CITY_PLAN_TITLE
from plans.models import Plan
from reports.models import LowerChase, Rollup
from tasks.models import HandDown, ProgressReport, Task

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def demo():
    return build_demo(today=TODAY)


def test_the_city_plan_hands_its_tasks_down_in_every_state(demo):
    city_plan = Plan.objects.get(title=CITY_PLAN_TITLE)
    assert city_plan.region.name == "岳阳市"
    assert Task.objects.filter(action__plan=city_plan).count() == 6
    answering = {
        (t.parent.title, t.action.plan.region.name): t
        for t in Task.objects.filter(parent__action__plan=city_plan).select_related(
            "parent", "action__plan__region"
        )
    }
    assert answering[("大力发展新能源", "岳阳县")].link_kind == "linked"
    created = answering[("大力发展新能源", "平江县")]
    assert created.link_kind == "created" and created.indicators.get().target == Decimal("60")
    assert created.assignments.get().agency.name == "县发改局"
    assert answering[("健全碳排放双控制度体系", "平江县")].link_kind == "linked"
    assert ("加快充电基础设施建设", "平江县") in answering
    assert ("加快充电基础设施建设", "岳阳县") not in answering  # handed down, not answered yet
    waiting = HandDown.objects.waiting().get()
    assert (waiting.task.title, waiting.plan.region.name) == ("加快充电基础设施建设", "岳阳县")
    # The city has chased 岳阳县 once about it; the county's office heard of it.
    chase = LowerChase.objects.get()
    assert (chase.hand_down, chase.by.username) == (waiting, "city")
    assert "office" in chase.recipients
    assert not Task.objects.filter(parent__title="提升生态系统碳汇能力").exists()
    # The tasks made in the county plans are reported on like the rest.
    assert ProgressReport.objects.filter(task=created).exclude(state="draft").exists()
    # The city's new-energy task follows its counties: its stored completion is theirs.
    upper = Task.objects.get(action__plan=city_plan, title="大力发展新能源")
    assert upper.progress_source == "children_average"
    assert Rollup.objects.get(scope="task", task=upper, period__label="2026Q3").completion is not None


def test_the_city_office_sees_the_counties_on_its_task_page_and_builds_it_once(demo, client):
    city_plan = Plan.objects.get(title=CITY_PLAN_TITLE)
    upper = Task.objects.get(action__plan=city_plan, title="加快充电基础设施建设")
    client.login(username="city", password="carbonplan")
    page = client.get(
        reverse("reports:dashboard-task", args=[city_plan.pk, upper.pk]) + "?period=2026Q3"
    ).content.decode()
    assert "下级承接情况" in page and "平江县" in page and "已下达、待下级落实" in page
    before = Task.objects.count()
    build_demo(today=TODAY)
    assert Task.objects.count() == before and Plan.objects.filter(title=CITY_PLAN_TITLE).count() == 1
