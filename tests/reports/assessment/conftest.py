"""A year of reporting on top of the `world` cast, for the assessment tests.

Plan A runs for 2025 only (so a task's 序时进度 at the end of 2025Q4 is 100 %); its four
quarters' deadlines are 10 April, 10 July, 10 October and 10 January. The scores are
computed as of 1 February 2026, with the county defaults (30 / 35 / 10 / 15 / 10).

* 县发改局 (`own`) leads A1, supported by 县交通运输局: Q1 on time but without the
  supporter's input it had received; Q2 late; Q3 returned twice, 60 %; Q4 never sent.
* 县交通运输局 (`other`) sends its input to A1 on time every quarter, and leads A2 on
  time every quarter, 100 % (已完成) in Q4.
* A1 has the indicator 新增公共充电桩 with no value (无数据).
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from reports.assessment import services
from reports.rollups import recompute_marked
from tests import factories as f

AS_OF = dt.date(2026, 2, 1)


def at(day: dt.date, hour: int = 10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def report(task, agency, period, *, day, state="approved", percent=None, status="in_progress", late=False,
           returns=0):  # fmt: skip
    return f.ReportFactory(
        task=task, agency=agency, period=period, state=state, percent=percent, status=status,
        progress_text="进展", is_late=late, return_count=returns, submitted_at=at(day),
    )  # fmt: skip


@pytest.fixture
def year(world):
    w = world
    w.plan_a.start_year = w.plan_a.end_year = 2025
    w.plan_a.save()
    quarters = [f.PeriodFactory(plan=w.plan_a, year=2025, quarter=q) for q in (1, 2, 3, 4)]
    q1, q2, q3, q4 = quarters
    lead = {}
    lead[1] = report(w.task_a1, w.own, q1, day=dt.date(2025, 4, 5), percent=Decimal(20))
    lead[2] = report(w.task_a1, w.own, q2, day=dt.date(2025, 7, 12), percent=Decimal(40), late=True)
    lead[3] = report(w.task_a1, w.own, q3, day=dt.date(2025, 10, 9), percent=Decimal(60), returns=2)
    inputs = {
        q.quarter: report(w.task_a1, w.other, q, day=q.deadline - dt.timedelta(days=8), status="")
        for q in quarters
    }
    lead[3].consolidated_inputs.add(inputs[3])
    for q, percent in zip(quarters, (25, 50, 75, 100), strict=True):
        report(w.task_a2, w.other, q, day=q.deadline - dt.timedelta(days=1), percent=Decimal(percent),
               status="done" if percent == 100 else "in_progress")  # fmt: skip
    office = w.users.office
    scheme = services.scheme_save(plan=w.plan_a, year=2025, data={}, by=office)
    services.scheme_publish(scheme=scheme, by=office)
    return SimpleNamespace(**vars(w), quarters=quarters, lead=lead, inputs=inputs, scheme=scheme, as_of=AS_OF)


def figures_current(today=AS_OF):
    """What the figures job does once the writes commit (a test's writes never commit):
    count every marked change in the stored figures."""
    recompute_marked(today=today)


def compute(year_world, *, today=AS_OF):
    """Start (or take) the plan's 2025 round and compute it as of `today`, from figures
    that have counted every change so far (as they have at year end)."""
    assessment = services.assessment_start(plan=year_world.plan_a, year=2025, by=year_world.users.office)
    figures_current(today)
    return services.assessment_compute(assessment_id=assessment.pk, today=today)


def compute_again(*, assessment_id, today=None):
    """Compute a round again once the figures have counted the changes made since."""
    figures_current(today)
    return services.assessment_compute(assessment_id=assessment_id, today=today)


def scores(assessment) -> dict:
    """{agency name: AssessmentScore}."""
    return {s.agency.name: s for s in assessment.scores.select_related("agency")}


def parts(score) -> dict:
    """{component code: points or None}."""
    return {c["code"]: c["points"] for c in score.components}
