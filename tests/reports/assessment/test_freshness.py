"""Draft scores never go stale: a change to what they read is computed again after the
rollups it moves; published scores never change; the catch-up job finds what a lost
job or a new day left behind."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from reports.assessment import freshness
from reports.assessment.jobs import refresh_stale_assessments
from reports.models import Assessment, IndicatorRollup, Rollup
from tasks.services import report_save_draft, report_submit

from .conftest import compute, scores

pytestmark = pytest.mark.django_db


def test_a_report_submitted_after_the_draft_moves_its_score_once_the_rollups_are_fresh(
    year, django_capture_on_commit_callbacks
):
    assessment = compute(year)
    assert scores(assessment)["县发改局"].items.filter(rule="missing").exists()
    q4 = year.quarters[3]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report, _warnings = report_save_draft(
            data={"status": "in_progress", "percent": "80", "progress_text": "补报第四季度进展"},
            by=year.users.owner, task=year.task_a1, agency=year.own, period=q4,
        )  # fmt: skip
        report_submit(report=report, by=year.users.owner)
    assert callbacks  # the rollup refresh, then the scores (in-process here)
    rollup = Rollup.objects.get(plan=year.plan_a, period=q4, scope="plan")
    assessment.refresh_from_db()
    assert assessment.computed_at > rollup.computed_at - dt.timedelta(seconds=1)
    own = scores(assessment)["县发改局"]
    # The missing Q4 report is now a late one (−1, not −3), and 80 % is its latest progress.
    assert not own.items.filter(rule="missing").exists()
    assert own.items.filter(rule="late", params__period="2025Q4").exists()
    assert own.items.filter(rule="task_progress", params__percent="80").exists()
    assert not freshness.is_stale(assessment)


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


def test_the_scores_never_run_ahead_of_the_rollups_they_read(year):
    # Nothing stored yet for the year: the computation stores the quarters' figures first
    # and reads the indicators from them.
    assert not IndicatorRollup.objects.filter(plan=year.plan_a).exists()
    assessment = compute(year)
    assert IndicatorRollup.objects.filter(plan=year.plan_a, period=year.quarters[3]).exists()
    line = scores(assessment)["县发改局"].items.get(component="indicators")
    stored = IndicatorRollup.objects.get(period=year.quarters[3], indicator=year.indicator_a)
    assert line.params["status"] == stored.status == "no_data" and line.points == Decimal("0.00")


def test_an_item_entered_by_hand_queues_the_round_at_once(year, django_capture_on_commit_callbacks):
    from reports.assessment import services

    assessment = compute(year)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.adjustment_add(
            assessment=assessment, agency=year.own, kind="correction", component="quality",
            points=Decimal(1), reason="复核", by=year.users.office,
        )  # fmt: skip
    assert callbacks
    assert freshness.is_stale(Assessment.objects.get(pk=assessment.pk))
