"""A plan imported from a document, with its history, for the tests of revising it."""

import pytest

from plans.parsing import parse_plan_text
from plans.services import plan_create_from_parsed
from tasks.models import Task

from .. import factories as f
from .docs import SMALL_PLAN


@pytest.fixture
def jia_plan(world):
    """A plan imported from SMALL_PLAN with a quarter of reports on every task."""
    plan = plan_create_from_parsed(parsed=parse_plan_text(SMALL_PLAN, "jia.txt"), region=world.county_a)
    f.role(world.users.office, "office", plan=plan)
    period = f.PeriodFactory(plan=plan, year=2026, quarter=1)
    for task in Task.objects.filter(action__plan=plan):
        for assignment in task.assignments.all():
            f.ReportFactory(
                task=task, agency=assignment.agency, period=period, progress_text=f"进展：{task.title}"
            )
    return plan
