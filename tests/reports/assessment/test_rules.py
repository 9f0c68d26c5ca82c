"""The scoring rules with worked numbers (the year of conftest.py, county defaults)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reports.assessment import services
from reports.assessment.models import SCHEME_RULE_FIELDS
from reports.assessment.scoring import AgencyScore, rank_scores
from tasks.models import PeriodReopening
from tests import factories as f

from .conftest import compute, compute_again, parts, scores

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%evidence\n"


def test_the_lead_agency_loses_points_for_each_late_missing_returned_and_unconsolidated_report(year):
    own = scores(compute(year))["县发改局"]
    assert parts(own) == {
        "reporting": 26.0,  # 30 − 1 (Q2 late) − 3 (Q4 missing)
        "completion": 21.0,  # 35 × 60 % (Q3, its latest report) ÷ 100 % 序时进度
        "quality": 8.0,  # 10 − 2 returns
        "indicators": 0.0,  # its one indicator has no data
        "consolidation": 4.0,  # 10 − 2 × (Q1 input not gathered, Q2 late, Q4 missing)
        "adjustments": None,
    }
    assert own.score == Decimal("59.00") and own.grade == "poor" and own.rank == 2
    rules = [(i.component, i.rule, i.points, i.params.get("period")) for i in own.items.order_by("seq")]
    assert ("reporting", "late", Decimal("-1.00"), "2025Q2") in rules
    assert ("reporting", "missing", Decimal("-3.00"), "2025Q4") in rules
    assert ("quality", "returned", Decimal("-2.00"), "2025Q3") in rules
    whys = sorted(i.params["why"] for i in own.items.filter(rule="consolidation_missed"))
    assert whys == ["late", "missing", "not_gathered"]
    late = own.items.get(rule="late")
    assert late.report_id == year.lead[2].pk and late.task_id == year.task_a1.pk


def test_roles_weigh_as_the_scheme_says_and_components_that_do_not_apply_are_scaled(year):
    other = scores(compute(year))["县交通运输局"]
    # A2 led (weight 1) done; A1 supported (weight 0.5) at the lead's 60 %: 35 × 1.3 ÷ 1.5.
    assert parts(other)["completion"] == 30.33
    # No indicator of its own and no task with supporters: 75 points apply, scaled to 100.
    assert parts(other)["indicators"] is None and parts(other)["consolidation"] is None
    assert other.score == Decimal("93.78") and other.grade == "excellent" and other.rank == 1
    task_lines = {i.params["task"]: i for i in other.items.filter(component="completion")}
    assert task_lines["1.1"].params["role"] == "support" and task_lines["1.1"].points == Decimal("7.00")


def test_a_late_report_reopened_for_the_agency_is_not_late(year):
    PeriodReopening.objects.create(period=year.quarters[1], agency=year.own, until=dt.date(2025, 7, 15))
    own = scores(compute(year))["县发改局"]
    assert parts(own)["reporting"] == 27.0  # only the missing Q4 report
    assert not own.items.filter(rule="late").exists()
    # Nor is its consolidation late any more.
    whys = sorted(i.params["why"] for i in own.items.filter(rule="consolidation_missed"))
    assert whys == ["missing", "not_gathered", "not_gathered"]


def test_a_missing_report_counts_only_once_the_agencys_own_deadline_has_passed(year):
    PeriodReopening.objects.create(period=year.quarters[3], agency=year.own, until=dt.date(2026, 2, 10))
    own = scores(compute(year))["县发改局"]
    assert not own.items.filter(rule="missing").exists()
    assert own.counts["pending"] == 1


def test_an_agency_with_no_task_gets_no_score_rather_than_full_marks(year):
    assessment = compute(year)
    idle = f.AgencyFactory(region=year.county_a, name="县统计局")
    # It is in the round through an item entered by hand, but carries no task.
    f.AssignmentFactory(task=year.task_a2, agency=idle, role="support")
    assessment = compute_again(assessment_id=assessment.pk, today=year.as_of)
    services.adjustment_add(
        assessment=assessment, agency=idle, kind="bonus", points=Decimal(1), reason="省级表彰",
        upload=SimpleUploadedFile("表彰.pdf", PDF), by=year.users.office,
    )  # fmt: skip
    year.task_a2.assignments.filter(agency=idle).delete()
    assessment = compute_again(assessment_id=assessment.pk, today=year.as_of)
    row = scores(assessment)["县统计局"]
    assert row.score is None and row.rank is None and row.grade == ""
    assert all(part["points"] is None for part in row.components if part["code"] != "adjustments")


def test_before_any_deadline_nobody_is_scored(year):
    assessment = compute(year, today=dt.date(2025, 4, 1))
    assert assessment.quarters == []
    assert all(s.score is None for s in assessment.scores.all())


def test_ties_share_a_rank_and_the_next_rank_skips():
    rows = [
        AgencyScore(agency_id=i, name=name, parts={}, base=score, adjustment=Decimal(0), score=score, counts={})
        for i, (name, score) in enumerate(
            [("甲", Decimal("90")), ("乙", Decimal("85.5")), ("丙", Decimal("85.5")), ("丁", Decimal("80")),
             ("戊", None)]
        )
    ]  # fmt: skip
    from reports.assessment.models import AssessmentScheme

    ranked = rank_scores(rows, AssessmentScheme())
    assert {r.name: r.rank for r in ranked} == {"甲": 1, "乙": 2, "丙": 2, "丁": 4, "戊": None}
    assert {r.name: r.grade for r in ranked} == {
        "甲": "excellent",
        "乙": "good",
        "丙": "good",
        "丁": "good",
        "戊": "",
    }
    assert ranked[-1].name == "戊"  # unscored agencies come last


def test_bonuses_and_deductions_entered_by_hand_are_capped(year):
    assessment = compute(year)
    office = year.users.office
    for points in (3, 3):
        services.adjustment_add(
            assessment=assessment, agency=year.other, kind="bonus", points=Decimal(points), reason="省级表彰",
            upload=SimpleUploadedFile("表彰.pdf", PDF), by=office,
        )  # fmt: skip
    services.adjustment_add(
        assessment=assessment, agency=year.own, kind="deduction", points=Decimal(2), reason="被约谈",
        upload=SimpleUploadedFile("约谈.pdf", PDF), by=office,
    )  # fmt: skip
    assessment = compute_again(assessment_id=assessment.pk, today=year.as_of)
    rows = scores(assessment)
    assert rows["县交通运输局"].adjustment == Decimal("5.00")  # 3 + 3, capped at 5
    assert rows["县交通运输局"].score == Decimal("98.78")
    assert rows["县交通运输局"].items.filter(rule="capped", points=Decimal("-1.00")).exists()
    assert rows["县发改局"].score == Decimal("57.00")


def test_a_bonus_needs_a_reason_and_an_evidence_file(year):
    from django.core.exceptions import ValidationError

    assessment = compute(year)
    with pytest.raises(ValidationError, match="佐证材料"):
        services.adjustment_add(
            assessment=assessment, agency=year.own, kind="bonus", points=Decimal(1), reason="表彰", by=None
        )
    with pytest.raises(ValidationError, match="事由"):
        services.adjustment_add(
            assessment=assessment, agency=year.own, kind="bonus", points=Decimal(1), reason=" ",
            upload=SimpleUploadedFile("表彰.pdf", PDF), by=None,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="内容与扩展名不符"):
        services.adjustment_add(
            assessment=assessment, agency=year.own, kind="bonus", points=Decimal(1), reason="表彰",
            upload=SimpleUploadedFile("表彰.pdf", b"MZ not a pdf"), by=None,
        )  # fmt: skip
    assert not assessment.adjustments.exists()


def test_a_correction_moves_one_component_within_its_range(year):
    assessment = compute(year)
    services.adjustment_add(
        assessment=assessment, agency=year.own, kind="correction", component="quality", points=Decimal(5),
        reason="退回系系统原因", by=year.users.office,
    )  # fmt: skip
    own = scores(compute_again(assessment_id=assessment.pk, today=year.as_of))["县发改局"]
    assert parts(own)["quality"] == 10.0  # 8 + 5, held at the maximum
    assert own.items.filter(rule="clamped", points=Decimal("-3.00")).exists()
    assert own.score == Decimal("61.00") and own.grade == "fair"


def test_the_scheme_is_checked_before_it_is_saved(year):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="100"):
        services.scheme_save(plan=year.plan_a, year=2025, data={"reporting_points": Decimal(40)}, by=None)
    with pytest.raises(ValidationError, match="一般 ≤ 良好 ≤ 优秀"):
        services.scheme_save(plan=year.plan_a, year=2025, data={"good_min": Decimal(95)}, by=None)
    # A new year starts from the previous year's rules.
    services.scheme_save(plan=year.plan_a, year=2025, data={"late_deduction": Decimal("0.5")}, by=None)
    following = services.scheme_save(plan=year.plan_a, year=2026, data={}, by=None)
    assert following.late_deduction == Decimal("0.5") and following.version == 1
    assert {name: getattr(following, name) for name in SCHEME_RULE_FIELDS}["support_weight"] == Decimal("0.5")


def test_deleting_a_plan_takes_its_schemes_rounds_and_scores_with_it(year):
    from reports.models import Assessment, AssessmentScheme, AssessmentScore
    from tasks.models import ProgressReport

    compute(year)
    ProgressReport.objects.filter(period__plan=year.plan_a).delete()
    year.plan_a.delete()
    assert not Assessment.objects.exists() and not AssessmentScheme.objects.exists()
    assert not AssessmentScore.objects.exists()
