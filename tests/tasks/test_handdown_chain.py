"""A hand-down outlives revisions of either plan and archiving, and an upper task whose
progress follows the lower tasks reads it from their reports as they come in."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from plans.parsing import parse_plan_text
from plans.services import plan_create_from_parsed, plan_revise_from_parsed
from reports import rollups
from reports.models import FigureMark, Rollup
from tasks.handdown import task_hand_down, task_set_progress_source
from tasks.models import Task

from ..plans.docs import SMALL_PLAN

pytestmark = pytest.mark.django_db

GONE = "推广绿色建筑"
WITHOUT = SMALL_PLAN.replace(
    "（二）城乡建设碳达峰行动\n1．推广绿色建筑。到2025年，城镇新建建筑全面执行绿色建筑标准。（县住房和城乡建设局、县发改局按职责分工负责）\n",
    "",
)


def imported(text, region, name):
    return plan_create_from_parsed(parsed=parse_plan_text(text, name), region=region)


def revise(plan, text):
    return plan_revise_from_parsed(plan=plan, parsed=parse_plan_text(text, "v2.txt"))


def task(plan, title):
    return Task.objects.get(action__plan=plan, title=title)


def test_links_survive_revisions_of_either_plan_and_archived_tasks_keep_theirs(chain):
    upper_plan = imported(
        SMALL_PLAN.replace("甲县", "岳阳市").replace("全县", "全市"), chain.city, "city.txt"
    )
    lower_plan = imported(SMALL_PLAN, chain.county, "county.txt")
    for title in ("大力发展新能源", GONE):
        task_hand_down(
            task=task(upper_plan, title),
            plans=[lower_plan],
            links={lower_plan.pk: task(lower_plan, title).pk},
            by=chain.users.city_office,
        )
    pairs = {
        title: (task(upper_plan, title).pk, task(lower_plan, title).pk) for title in ("大力发展新能源", GONE)
    }

    def links():
        return {
            title: Task.objects.filter(pk=lower).values_list("parent_id", "archived_at").get()
            for title, (_upper, lower) in pairs.items()
        }

    revise(lower_plan, WITHOUT)  # the county's document drops the task: archived, still linked
    now = links()
    assert now["大力发展新能源"] == (pairs["大力发展新能源"][0], None)
    assert now[GONE][0] == pairs[GONE][0] and now[GONE][1] is not None
    revise(upper_plan, WITHOUT.replace("甲县", "岳阳市").replace("全县", "全市"))
    assert Task.objects.get(pk=pairs[GONE][0]).archived_at is not None
    assert links()[GONE][0] == pairs[GONE][0]
    revise(lower_plan, SMALL_PLAN)  # brought back: the same row, the same link
    revise(upper_plan, SMALL_PLAN.replace("甲县", "岳阳市").replace("全县", "全市"))
    assert links() == {title: (upper, None) for title, (upper, _lower) in pairs.items()}


def report(user, task, period, percent, status="in_progress"):
    client = APIClient()
    client.force_authenticate(user)
    created = client.post(
        "/api/progress-reports/",
        {"task": task.pk, "period": period.pk, "status": status, "percent": percent, "progress_text": "推进"},
        format="json",
    )
    assert created.status_code == 201, created.content
    submitted = client.post(f"/api/progress-reports/{created.json()['id']}/submit/")
    assert submitted.status_code == 200, submitted.content


def refreshed(chain):
    """The upper plan was marked stale by the write; its figures brought up to date."""
    assert FigureMark.objects.filter(plan=chain.city_plan).exists()
    rollups.recompute_marked()
    period = chain.periods[chain.city_plan.pk]
    row = Rollup.objects.get(scope="task", task=chain.upper, period=period)
    return row.completion, row.done


@time_machine.travel(dt.datetime(2026, 9, 20, 10, tzinfo=dt.UTC), tick=False)
def test_an_upper_task_following_its_lower_tasks_moves_when_they_report(chain):
    from tests import factories as f

    f.role(chain.users.county_agency, "staff", agency=chain.county2_lead)
    rollups.recompute_marked()  # the figures of the plans as the cast left them
    task_hand_down(
        task=chain.upper,
        plans=[chain.county_plan, chain.county2_plan],
        links={chain.county_plan.pk: chain.county_task.pk, chain.county2_plan.pk: chain.county2_task.pk},
        by=chain.users.city_office,
    )
    assert refreshed(chain) == (None, 0)  # its own lead's reports, none yet
    task_set_progress_source(task=chain.upper, source="children_average", by=chain.users.city_office)
    assert refreshed(chain) == (Decimal("0"), 0)
    report(chain.users.county_agency, chain.county_task, chain.periods[chain.county_plan.pk], "60")
    assert refreshed(chain) == (Decimal("30.00"), 0)
    report(chain.users.county_agency, chain.county2_task, chain.periods[chain.county2_plan.pk], "100", "done")
    assert refreshed(chain) == (Decimal("80.00"), 0)
    task_set_progress_source(task=chain.upper, source="children_all_done", by=chain.users.city_office)
    assert refreshed(chain) == (Decimal("50.00"), 0)
    # A lower task archived by its plan's revision no longer counts.
    Task.objects.filter(pk=chain.county_task.pk).update(archived_at=dt.datetime(2026, 9, 20, tzinfo=dt.UTC))
    assert refreshed(chain) == (Decimal("100.00"), 1)
