"""The first page after login is a work queue: the office sees what waits in each of its
plans with links to the filtered lists; the upper office and the province leader see the
plans below ranked, those that slipped, and the handed-down tasks not answered yet."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from reports import rollups
from tasks.handdown import task_hand_down
from tests import factories as f

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2026, 10, 20, 10, tzinfo=dt.UTC)


def submitted(
    task, agency, period, percent="40", state="submitted", when=dt.datetime(2026, 10, 5, tzinfo=dt.UTC)
):
    return f.ReportFactory(
        task=task, agency=agency, period=period, state=state, status="in_progress",
        percent=Decimal(percent), submitted_at=when,
    )  # fmt: skip


@pytest.fixture
def queued(chain):
    task_hand_down(
        task=chain.upper, plans=[chain.county_plan], links={chain.county_plan.pk: chain.county_task.pk},
        by=chain.users.city_office,
    )  # fmt: skip
    q2 = f.PeriodFactory(plan=chain.county_plan, year=2026, quarter=2)
    q3 = chain.periods[chain.county_plan.pk]
    submitted(chain.county_task, chain.county_lead, q2, percent="80", state="approved")
    submitted(chain.county_task, chain.county_lead, q3, percent="30")
    submitted(chain.county_other, chain.county_lead, q3, state="returned")
    rollups.recompute_marked(today=DAY.date())
    rollups.rollup_regions({(chain.city.pk, "2026Q3"), (chain.province.pk, "2026Q3")})
    return chain


@time_machine.travel(DAY, tick=False)
def test_the_county_office_sees_what_waits_with_links_to_each_list(queued, client):
    client.force_login(queued.users.county_office)
    page = client.get("/").content.decode()
    section = page[page.index('id="office-queue"') :]
    plan, label = queued.county_plan, "2026Q3"
    review = reverse("tasks:review") + f"?plan={plan.pk}&amp;period={label}"
    assert f'href="{review}">1</a>' in section
    assert "最早已等 15 天" in section
    assert f'href="{review}&amp;state=returned">1</a>' in section
    assert queued.city.name not in section  # no region of its own to watch


@time_machine.travel(DAY, tick=False)
def test_the_city_office_sees_its_counties_ranked_the_slipped_and_the_unanswered(queued, client):
    client.force_login(queued.users.city_office)
    page = client.get("/").content.decode()
    region = page[page.index(f'id="region-queue-{queued.city.pk}"') :]
    assert region.index("岳阳县碳达峰实施方案") < region.index("平江县碳达峰实施方案")
    # 岳阳县 went from 80 % to 30 % on its task: it slipped since last quarter.
    slipped = region[region.index("较上季度下滑的方案") :]
    assert "岳阳县碳达峰实施方案" in slipped.split("</ul>")[0]
    unanswered = region[region.index("下达后尚未承接的任务") :]
    assert queued.upper.title in unanswered and "平江县" in unanswered.split("</ul>")[0]
    assert reverse("reports:region-briefing", args=[queued.city.pk]) in region


@time_machine.travel(DAY, tick=False)
def test_the_province_leader_sees_the_province_and_no_office_queue(queued, client):
    client.force_login(queued.users.province_leader)
    page = client.get("/").content.decode()
    assert f'id="region-queue-{queued.province.pk}"' in page
    assert 'id="office-queue"' not in page


@time_machine.travel(DAY, tick=False)
def test_the_homes_cost_the_same_queries_as_the_plans_grow(queued, client, django_assert_max_num_queries):
    counts = {}
    for who in ("county_office", "city_office", "province_leader"):
        client.force_login(getattr(queued.users, who))
        client.get("/")
        with django_assert_max_num_queries(60) as before:
            client.get("/")
        counts[who] = len(before.captured_queries)
    for n in range(4):
        region = f.RegionFactory(name=f"新县{n}", parent=queued.city)
        plan = f.PlanFactory(region=region, title=f"新县{n}方案")
        period = f.PeriodFactory(plan=plan, year=2026, quarter=3)
        task = f.TaskFactory(action=f.ActionFactory(plan=plan), title=f"光伏{n}")
        agency = f.AgencyFactory(region=region, name="县发改局")
        f.AssignmentFactory(task=task, agency=agency)
        submitted(task, agency, period)
        f.role(queued.users.county_office, "office", plan=plan)
        task_hand_down(task=queued.upper, plans=[plan], links={plan.pk: task.pk}, by=queued.users.city_office)
    rollups.recompute_marked(today=DAY.date())
    for who, count in counts.items():
        client.force_login(getattr(queued.users, who))
        with django_assert_max_num_queries(count):
            assert client.get("/").status_code == 200


def test_a_plans_leader_sees_each_plans_headline_figures_with_its_briefing(world, client):
    from reports import rollups as r

    r.recompute_marked(today=dt.date(2026, 4, 20))
    client.force_login(world.users.leader)
    with time_machine.travel(dt.datetime(2026, 4, 20, 10, tzinfo=dt.UTC), tick=False):
        page = client.get("/").content.decode()
    section = page[page.index('id="leader-queue"') :].split("</section>")[0]
    assert world.plan_a.title in section and world.plan_b.title not in section
    assert reverse("reports:briefing", args=[world.plan_a.pk]) + "?period=2026Q1" in section


def test_a_province_ranks_every_plan_below_it_in_sql_and_lists_the_slipped_up_to_a_cut(
    django_assert_num_queries,
):
    """The ranking reads the stored plan rollups of the whole subtree (cities and their
    counties), not one page of the region board: the best completions first, plans with no
    figures last, and the slipped ones (fell 5 points or more, or more red lights) cut."""
    from reports.dashboards.changes import region_ranking
    from reports.models import Rollup

    province = f.RegionFactory(name="测试省", level="province")
    city = f.RegionFactory(name="甲市", parent=province, level="city")
    own = f.PlanFactory(region=province, title="省方案")
    plans = [f.PlanFactory(region=city, title="甲市方案")]
    plans += [
        f.PlanFactory(
            region=f.RegionFactory(name=f"县{n:02}", parent=city, level="county"), title=f"县{n:02}方案"
        )
        for n in range(13)
    ]

    def stored(plan, label, completion, red=0):
        year, quarter = int(label[:4]), int(label[-1])
        period = f.PeriodFactory(plan=plan, year=year, quarter=quarter)
        Rollup.objects.create(
            scope="plan", plan=plan, period=period, period_label=label, completion=completion, red=red
        )

    stored(own, "2026Q3", Decimal("99"))  # the region's own plan is not ranked below it
    for n, plan in enumerate(plans[:-1]):
        stored(plan, "2026Q3", Decimal(20 + 5 * n), red=n % 2)
        # Every second plan fell 5 points; plan 3 kept its completion but gained a red light.
        before = Decimal(20 + 5 * n + (5 if n % 2 == 0 else 4))
        stored(plan, "2026Q2", before, red=0 if n == 3 else n % 2)
    # plans[-1] has no figures at all.

    with django_assert_num_queries(2):
        ranking = region_ranking(province, "2026Q3", shown=5)
    assert [r.plan.pk for r in ranking.ranked] == [p.pk for p in reversed(plans[8:13])]
    assert [float(r.rollup.completion) for r in ranking.ranked] == [80, 75, 70, 65, 60]

    everything = region_ranking(province, "2026Q3", shown=100)
    assert everything.ranked[-1].plan == plans[-1] and everything.ranked[-1].rollup is None
    assert own.pk not in {r.plan.pk for r in everything.ranked}
    slipped = {r.plan.pk for r in everything.slipped}
    assert slipped == {plans[n].pk for n in range(13) if n % 2 == 0} | {plans[3].pk}
    assert all(r.slipped for r in everything.slipped) and not everything.slipped_more
    assert len(ranking.slipped) == 5 and ranking.slipped_more


@time_machine.travel(DAY, tick=False)
def test_a_province_office_queues_its_own_and_the_cities_plans_and_lists_the_counties_below(queued, client):
    """Each level supervises the next: the counties' plans are their city office's queue,
    and stay in the province office's plan list."""
    province_office = f.UserFactory(username="province_office")
    f.role(province_office, "office", region=queued.province)
    province_plan = f.PlanFactory(region=queued.province, title="湖南省碳达峰实施方案")
    f.PeriodFactory(plan=province_plan, year=2026, quarter=3)
    client.force_login(province_office)
    page = client.get("/").content.decode()
    section = page[page.index('id="office-queue"') :].split("</section>")[0]
    assert f'id="plan-queue-{province_plan.pk}"' in section
    assert f'id="plan-queue-{queued.city_plan.pk}"' in section
    for county_plan in (queued.county_plan, queued.county2_plan, queued.sibling_plan):
        assert f'id="plan-queue-{county_plan.pk}"' not in section
        assert reverse("plans:detail", args=[county_plan.pk]) in page  # the plan list
    # The city office still queues its counties' plans.
    client.force_login(queued.users.city_office)
    section = client.get("/").content.decode().split('id="office-queue"')[1].split("</section>")[0]
    assert f'id="plan-queue-{queued.county_plan.pk}"' in section
