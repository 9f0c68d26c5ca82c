"""The year-end scores computed by a real worker (PostgreSQL + Redis only): the round the
office starts, once the figures have counted the plan's rows, and the refresh the figures
job queues after it has counted a submitted report."""

import datetime as dt
from decimal import Decimal

import pytest

from reports.assessment import services
from reports.jobs import recompute_stale_rollups
from reports.models import Assessment, FigureMark
from tasks.services import report_save_draft, report_submit
from tests import factories as f
from tests.worker.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _snapshot(assessment):
    return sorted(
        (s.agency_id, s.score, s.rank, s.grade, tuple(tuple(sorted(c.items())) for c in s.components))
        for s in assessment.scores.all()
    )


def test_a_round_is_computed_by_the_worker_and_follows_a_submitted_report(worker):
    region = f.RegionFactory(name="工作进程县")
    plan = f.PlanFactory(region=region, title="工作进程考核方案", start_year=2025, end_year=2025)
    action = f.ActionFactory(plan=plan, seq=1)
    lead, support = f.AgencyFactory(region=region, name="甲局"), f.AgencyFactory(region=region, name="乙局")
    task = f.TaskFactory(action=action, seq=1)
    f.AssignmentFactory(task=task, agency=lead, role="lead")
    f.AssignmentFactory(task=task, agency=support, role="support")
    quarters = [f.PeriodFactory(plan=plan, year=2025, quarter=q) for q in (1, 2, 3, 4)]
    for q in quarters[:3]:
        f.ReportFactory(task=task, agency=lead, period=q, state="approved", percent=Decimal(30 * q.quarter),
                        status="in_progress", submitted_at=dt.datetime(q.year, 3 * q.quarter, 28, 2, tzinfo=dt.UTC))  # fmt: skip
    office, staff = f.UserFactory(username="worker-office"), f.UserFactory(username="worker-staff")
    f.role(office, "office", plan=plan)
    f.role(staff, "staff", agency=lead)
    services.scheme_publish(scheme=services.scheme_save(plan=plan, year=2025, data={}, by=office), by=office)
    assessment = services.assessment_start(plan=plan, year=2025, by=office)
    # The rows above were written outside a transaction, so their marks wait for the
    # figures' catch-up (beat runs it every minute): the round waits for it too, and
    # follows once the figures job has counted them.
    waiting = wait_for(
        lambda: "'state': 'waiting for figures'" in worker.log.read_text(),
        worker=worker,
        what="the first job",
    )
    assert waiting and Assessment.objects.get(pk=assessment.pk).computed_at is None
    recompute_stale_rollups.delay()
    done = wait_for(
        lambda: Assessment.objects.filter(pk=assessment.pk, compute_state="done").first(),
        worker=worker,
        what="the assessment job",
    )
    by_worker = _snapshot(done)
    lead_row = done.scores.get(agency=lead)
    assert lead_row.items.filter(rule="missing", params__period="2025Q4").exists()
    assert "reports.assessment.jobs.compute_assessment" in worker.log.read_text()

    assert not FigureMark.objects.filter(plan=plan).exists()

    # The lead hands in its Q4 report (committed): its mark queues the figures job, whose
    # release of the mark then queues the scores.
    computed = done.computed_at
    report, _ = report_save_draft(
        data={"status": "in_progress", "percent": "95", "progress_text": "第四季度补报"},
        by=staff, task=task, agency=lead, period=quarters[3],
    )  # fmt: skip
    report_submit(report=report, by=staff)
    followed = wait_for(
        lambda: Assessment.objects.filter(
            pk=assessment.pk, computed_at__gt=computed, compute_state="done"
        ).first(),
        worker=worker,
        what="the refresh after the rollup",
    )
    lead_row = followed.scores.get(agency=lead)
    assert not lead_row.items.filter(rule="missing").exists()
    assert lead_row.items.filter(rule="late", params__period="2025Q4").exists()

    # In one process, from the same figures, the same scores.
    again = services.assessment_compute(assessment_id=assessment.pk, today=followed.as_of)
    assert _snapshot(again) == _snapshot(followed) != by_worker
