"""The demo's year-end assessments of the 岳阳县 plan: last year's published, with a
bonus, a deduction and one objection answered with a correction; this year's computed
as a draft. Built through the services, as an office would, on the days an office would
(results computed after the Q4 deadline, a week of 公示, published at the start of
February)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agencies.models import Agency
from plans.models import Plan
from tasks.models import ReportingPeriod

from ..pdf import render_pdf
from . import services
from .models import Assessment, AssessmentNotice
from .notices import notice_generate, notice_publish, notice_request

DEMO_REGION = "岳阳县"


def _evidence(title: str, text: str) -> SimpleUploadedFile:
    html = (
        '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"></head>'
        f"<body><h1>{title}</h1><p>{text}</p></body></html>"
    )
    return SimpleUploadedFile(f"{title}.pdf", render_pdf(html), content_type="application/pdf")


def _agency(plan, name):
    return Agency.objects.filter(region=plan.region, name=name).first()


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _published_year(plan, year: int, office, agency_user):
    """Last year's round, from start to publication and its issued notice."""
    computed_on = dt.date(year + 1, 1, 20)
    services.scheme_publish(scheme=services.scheme_save(plan=plan, year=year, data={}, by=office), by=office)
    assessment = services.assessment_start(plan=plan, year=year, by=office)
    services.assessment_compute(assessment_id=assessment.pk, today=computed_on)
    honoured, talked_to = _agency(plan, "县发改局"), _agency(plan, "县住建局")
    if honoured:
        services.adjustment_add(
            assessment=assessment, agency=honoured, kind="bonus", points=Decimal(1), by=office,
            reason="获评省级碳达峰碳中和工作先进单位（省级表彰）",
            upload=_evidence("省级表彰文件", "关于表扬碳达峰碳中和工作先进单位的通报（演示文件）"),
        )  # fmt: skip
    if talked_to:
        services.adjustment_add(
            assessment=assessment, agency=talked_to, kind="deduction", points=Decimal(2), by=office,
            reason="建筑领域节能任务推进滞后，被县领导小组约谈",
            upload=_evidence("约谈记录", "约谈记录（演示文件）"),
        )  # fmt: skip
    services.assessment_compute(assessment_id=assessment.pk, today=computed_on)
    services.assessment_open_objections(
        assessment=assessment, opens_on=computed_on + dt.timedelta(days=1),
        closes_on=computed_on + dt.timedelta(days=8), by=office,
    )  # fmt: skip
    objecting = (
        Agency.objects.filter(pk__in=agency_user.carbon_roles.values("agency_id")).first()
        if agency_user
        else None
    )
    if objecting and assessment.scores.filter(agency=objecting).exists():
        objection = services.objection_raise(
            assessment=assessment, agency=objecting, component="reporting", by=agency_user,
            today=computed_on + dt.timedelta(days=3),
            comment="第四季度一项任务的进展因系统维护顺延一天报送，已向专班办公室报备，请予复核。",
        )  # fmt: skip
        services.objection_answer(
            objection=objection, by=office,
            answer="经核实，系统维护期间报送顺延属实，按时报送一项予以恢复。",
            correction={"component": "reporting", "points": Decimal(1), "reason": "系统维护期间顺延报送，经核实予以恢复"},
        )  # fmt: skip
    published_on = computed_on + dt.timedelta(days=12)
    services.assessment_compute(assessment_id=assessment.pk, today=published_on)
    services.assessment_publish(assessment=assessment, by=office, today=published_on)
    Assessment.objects.filter(pk=assessment.pk).update(published_at=_at(published_on))
    notice = notice_request(assessment=assessment, by=office)
    notice_generate(notice=notice, today=published_on)
    notice_publish(notice=AssessmentNotice.objects.get(pk=notice.pk), by=office)
    return assessment


def build_assessment_demo(*, today: dt.date, users: dict) -> list:
    """The demo plan's rounds; nothing when they exist already."""
    plan = Plan.objects.filter(region__name=DEMO_REGION).order_by("pk").first()
    if plan is None or Assessment.objects.filter(plan=plan).exists():
        return []
    office, agency_user = users["office"], users.get("agency2")
    made = []
    last_year = today.year - 1
    has_last_year = ReportingPeriod.objects.filter(plan=plan, year=last_year, quarter=4).exists()
    if has_last_year and dt.date(last_year + 1, 2, 1) <= today:
        made.append(_published_year(plan, last_year, office, agency_user))
    if ReportingPeriod.objects.filter(plan=plan, year=today.year).exists():
        scheme = services.scheme_save(plan=plan, year=today.year, data={}, by=office)
        services.scheme_publish(scheme=scheme, by=office)
        draft = services.assessment_start(plan=plan, year=today.year, by=office)
        services.assessment_compute(assessment_id=draft.pk, today=today)
        made.append(draft)
    return made
