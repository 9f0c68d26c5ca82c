"""The stored year-end scores equal a plain rebuild from the raw reports and values
(tests/reports/assessment/rebuild.py) on the demo and on a generated plan."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from plans.demo import build_demo
from plans.models import Plan
from reports.assessment import services
from reports.bench.generate import build_province
from reports.models import Assessment
from tasks.models import PeriodReopening, ProgressReport

from .conftest import figures_current
from .rebuild import rebuild, stored

pytestmark = pytest.mark.django_db

DEMO_DAY = dt.date(2026, 11, 22)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def assert_same(assessment):
    expected, got = rebuild(assessment), stored(assessment)
    assert set(got) == set(expected)
    wrong = {
        agency: (got[agency], expected[agency]) for agency in expected if got[agency] != expected[agency]
    }
    assert not wrong, wrong
    return expected


def test_the_demo_scores_equal_a_plain_rebuild():
    build_demo(today=DEMO_DAY)
    plan = Plan.objects.get(region__name="岳阳县")
    published = Assessment.objects.get(plan=plan, year=2025)
    draft = Assessment.objects.get(plan=plan, year=2026)
    assert published.state == "published" and published.objections.filter(state="answered").count() == 1
    assert draft.state == "draft"
    for assessment in (published, draft):
        rows = assert_same(assessment)
        scored = [r for r in rows.values() if r["score"] is not None]
        assert len(scored) >= 20
        # Not every agency at full marks: the demo has late, missing and returned reports.
        assert len({r["score"] for r in scored}) > 5
    # The answered objection's correction and the two items entered by hand count.
    assert published.adjustments.count() == 3


def test_a_generated_plan_scores_equal_a_plain_rebuild():
    province = build_province(name="考核校验省", total_plans=2, quarters=8, today=dt.date(2026, 2, 20))
    plan = Plan.objects.get(pk=province.plans[-1])
    office = province.users["office"]
    # Reopened for an agency: its late report falls within the reopening, so it is not late.
    late = ProgressReport.objects.filter(task__action__plan=plan, period__year=2025, is_late=True).first()
    PeriodReopening.objects.create(
        period=late.period, agency=late.agency, until=late.submitted_at.date() + dt.timedelta(days=1)
    )
    services.scheme_publish(scheme=services.scheme_save(plan=plan, year=2025, data={}, by=office), by=office)
    assessment = services.assessment_start(plan=plan, year=2025, by=office)
    figures_current(dt.date(2026, 1, 25))
    services.assessment_compute(assessment_id=assessment.pk, today=dt.date(2026, 1, 25))
    agencies = [s.agency for s in assessment.scores.select_related("agency").order_by("agency_id")[:2]]
    services.adjustment_add(
        assessment=assessment, agency=agencies[0], kind="bonus", points=Decimal("1"), reason="省级表彰",
        upload=SimpleUploadedFile("表彰.pdf", PDF), by=office,
    )  # fmt: skip
    services.adjustment_add(
        assessment=assessment, agency=agencies[1], kind="correction", component="reporting",
        points=Decimal("2"), reason="复核恢复", by=office,
    )  # fmt: skip
    figures_current(dt.date(2026, 1, 25))
    services.assessment_compute(assessment_id=assessment.pk, today=dt.date(2026, 1, 25))
    assessment.refresh_from_db()
    assert assessment.quarters == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    rows = assert_same(assessment)
    assert len(rows) > 20
    # The reopened late report cost nothing; an unexcused late one did.
    lines = {(i.rule, i.report_id) for s in assessment.scores.all() for i in s.items.all()}
    assert ("late", late.pk) not in lines
    assert any(rule == "late" for rule, _report in lines)
