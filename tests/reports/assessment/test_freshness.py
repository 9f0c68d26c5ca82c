"""Draft scores never go stale and never run ahead of the figures: a change to what they
read marks the figures, and the scores are computed again once the figures job has
counted it; published scores never change; the catch-up job finds what a lost job or a
new day left behind."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reports.assessment import freshness, services
from reports.assessment.jobs import refresh_stale_assessments
from reports.jobs import recompute_stale_rollups
from reports.marks import _Caught
from reports.models import Assessment, FigureMark, IndicatorRollup, Rollup
from tasks.models import ProgressReport
from tasks.services import report_save_draft, report_submit

from .conftest import compute, scores

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_a_report_submitted_after_the_draft_moves_its_score_once_the_figures_count_it(year):
    # Committed as in production: each write marks the figures, the figures job counts
    # the change at commit (in-process here), then tells the draft round, which follows.
    assessment = compute(year)
    assert scores(assessment)["县发改局"].items.filter(rule="missing").exists()
    q4 = year.quarters[3]
    report, _warnings = report_save_draft(
        data={"status": "in_progress", "percent": "80", "progress_text": "补报第四季度进展"},
        by=year.users.owner, task=year.task_a1, agency=year.own, period=q4,
    )  # fmt: skip
    report_submit(report=report, by=year.users.owner)
    assert not FigureMark.objects.filter(plan=year.plan_a).exists()
    rollup = Rollup.objects.get(plan=year.plan_a, period=q4, scope="plan")
    assessment.refresh_from_db()
    assert assessment.computed_at > rollup.computed_at - dt.timedelta(seconds=1)
    own = scores(assessment)["县发改局"]
    # The missing Q4 report is now a late one (−1, not −3), and 80 % is its latest progress.
    assert not own.items.filter(rule="missing").exists()
    assert own.items.filter(rule="late", params__period="2025Q4").exists()
    assert own.items.filter(rule="task_progress", params__percent="80").exists()
    assert not freshness.is_stale(assessment)


def test_a_draft_waits_while_a_change_is_not_yet_counted_in_the_figures(
    year, login, django_capture_on_commit_callbacks
):
    assessment = compute(year)
    computed = assessment.computed_at
    # The office's return of Q3 is taken back: a write the figures have not counted yet.
    ProgressReport.objects.filter(pk=year.lead[3].pk).update(return_count=0)
    assert FigureMark.objects.filter(plan=year.plan_a).exists()
    Assessment.objects.filter(pk=assessment.pk).update(as_of=year.as_of - dt.timedelta(days=1))
    assert freshness.is_stale(assessment) and freshness.waiting_for_figures(assessment)
    # Neither the job nor the catch-up computes it from figures about to change, and the
    # office cannot publish it; the page says why.
    assert services.assessment_compute(assessment_id=assessment.pk, today=year.as_of) is None
    assert refresh_stale_assessments()["queued"] == []
    with pytest.raises(ValidationError, match="统计数据正在更新"):
        services.assessment_publish(assessment=assessment, by=year.users.office, today=year.as_of)
    page = login(year.users.office).get(reverse("reports:assessment", args=[assessment.pk]))
    assert "统计数据正在更新" in page.content.decode()
    assert Assessment.objects.get(pk=assessment.pk).computed_at == computed
    # The figures job (here its catch-up run) counts the change, then the round follows.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        recompute_stale_rollups()
    assert any(isinstance(c, _Caught) for c in callbacks)
    assert not FigureMark.objects.filter(plan=year.plan_a).exists()
    assessment.refresh_from_db()
    assert assessment.computed_at > computed and not freshness.is_stale(assessment)
    assert not scores(assessment)["县发改局"].items.filter(rule="returned", params__period="2025Q3").exists()


def test_published_scores_do_not_follow_the_figures(year, django_capture_on_commit_callbacks):
    assessment = compute(year)
    Assessment.objects.filter(pk=assessment.pk).update(state="published", published_at=timezone.now())
    before = {s.agency_id: (s.score, s.components) for s in assessment.scores.all()}
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = report_save_draft(
            data={"status": "in_progress", "percent": "80", "progress_text": "补报"},
            by=year.users.owner, task=year.task_a1, agency=year.own, period=year.quarters[3],
        )  # fmt: skip
        report_submit(report=report, by=year.users.owner)
    assert not freshness.stale_rounds().filter(pk=assessment.pk).exists()
    refresh_stale_assessments()
    assert {s.agency_id: (s.score, s.components) for s in assessment.scores.all()} == before


def test_the_catch_up_job_computes_a_draft_whose_rollups_moved_or_whose_day_passed(year):
    assessment = compute(year, today=timezone.localdate())
    assert not freshness.is_stale(assessment)
    # A rollup written later (a refresh whose follow-up job was lost) makes it stale.
    Rollup.objects.filter(plan=year.plan_a, scope="plan").update(
        computed_at=timezone.now() + dt.timedelta(seconds=5)
    )
    assert freshness.is_stale(assessment)
    queued = refresh_stale_assessments()["queued"]
    assert queued == [assessment.pk]
    Rollup.objects.filter(plan=year.plan_a, scope="plan").update(
        computed_at=timezone.now() - dt.timedelta(days=1)
    )
    assessment.refresh_from_db()
    assert not freshness.is_stale(assessment)
    # A draft computed on an earlier day is computed again (a deadline may have passed).
    Assessment.objects.filter(pk=assessment.pk).update(as_of=timezone.localdate() - dt.timedelta(days=1))
    assert refresh_stale_assessments()["queued"] == [assessment.pk]


def test_a_quarter_never_computed_is_marked_and_computed_by_the_figures_job_first(
    year, django_capture_on_commit_callbacks
):
    compute(year)
    Rollup.objects.filter(plan=year.plan_a).delete()
    IndicatorRollup.objects.filter(plan=year.plan_a).delete()
    assessment = Assessment.objects.get(plan=year.plan_a, year=2025)
    # The round does not compute the figures itself: it marks the quarters for the one
    # figures job and waits; the job's release of the marks queues it again.
    assert services.assessment_compute(assessment_id=assessment.pk, today=year.as_of) is None
    marked = FigureMark.objects.filter(plan=year.plan_a).values_list("period_id", flat=True)
    assert set(marked) == {q.pk for q in year.quarters}
    with django_capture_on_commit_callbacks(execute=True):
        recompute_stale_rollups()
    assert IndicatorRollup.objects.filter(plan=year.plan_a, period=year.quarters[3]).exists()
    assert not FigureMark.objects.filter(plan=year.plan_a).exists()
    assessment.refresh_from_db()
    line = scores(assessment)["县发改局"].items.get(component="indicators")
    stored = IndicatorRollup.objects.get(period=year.quarters[3], indicator=year.indicator_a)
    assert line.params["status"] == stored.status == "no_data" and line.points == Decimal("0.00")


def test_an_item_entered_by_hand_queues_the_round_at_once(year, django_capture_on_commit_callbacks):
    assessment = compute(year)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.adjustment_add(
            assessment=assessment, agency=year.own, kind="correction", component="quality",
            points=Decimal(1), reason="复核", by=year.users.office,
        )  # fmt: skip
    assert callbacks
    assert freshness.is_stale(Assessment.objects.get(pk=assessment.pk))
