"""考核结果通报: the wording of a round's result notice (title, 文号, the opening paragraph
the office may rewrite, the agencies by grade, the ranking table, the requirements), its
generation as a Word document by a job with progress the page polls, and its issue.
Versioned like the bulletin: every generation is a new version; the office edits the
opening paragraph of a version and issues it, when it takes the plan's next 文号 of
the year (only once the round's results are published)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.audit import audit_log, diff_fields

from .models import Assessment, AssessmentNotice, AssessmentScore, Component, Grade
from .rules import GRADE_ORDER

NOTICE_JOB = "reports.assessment.jobs.generate_assessment_notice"
# The five scored components, in the order of the ranking table's columns.
COLUMNS = [Component.REPORTING, Component.COMPLETION, Component.QUALITY, Component.INDICATORS,
           Component.CONSOLIDATION, Component.ADJUSTMENTS]  # fmt: skip


def notice_title(assessment) -> str:
    return f"关于{assessment.plan.region.name}{assessment.year}年度碳达峰工作考核结果的通报"


def _figure(value) -> str:
    if value is None:
        return "—"
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def ranking_rows(assessment) -> list[dict]:
    """The round's agencies, ranked, with each component's points: one query."""
    rows = []
    for score in AssessmentScore.objects.filter(assessment=assessment).select_related("agency"):
        parts = {c["code"]: c for c in score.components}
        rows.append(
            {
                "rank": score.rank,
                "agency": score.agency.name,
                "score": score.score,
                "grade": score.grade,
                "grade_label": str(Grade(score.grade).label) if score.grade else "",
                "parts": [parts.get(code, {}).get("points") for code in COLUMNS],
            }
        )
    return rows


def notice_context(*, assessment, today: dt.date | None = None) -> dict:
    """Everything the notice says, as plain data."""
    today = today or timezone.localdate()
    rows = ranking_rows(assessment)
    scored = [r for r in rows if r["score"] is not None]
    by_grade = {grade: [r["agency"] for r in scored if r["grade"] == grade] for grade in GRADE_ORDER}
    scheme = assessment.scheme
    plan = assessment.plan
    return {
        "title": notice_title(assessment),
        "plan": {"title": plan.title, "doc_number": plan.doc_number, "region": plan.region.name},
        "year": assessment.year,
        "round": assessment.round,
        "published": assessment.is_published,
        "quarters": assessment.quarters,
        "today": today,
        "rows": rows,
        "scored": len(scored),
        "unscored": [r["agency"] for r in rows if r["score"] is None],
        "by_grade": [(str(Grade(g).label), names) for g, names in by_grade.items()],
        "columns": [str(Component(code).label) for code in COLUMNS],
        "bands": {
            "excellent": _figure(scheme.excellent_min) if scheme else "90",
            "good": _figure(scheme.good_min) if scheme else "80",
            "fair": _figure(scheme.fair_min) if scheme else "60",
        },
        "objections": assessment.objections.count(),
    }


def default_summary(context: dict) -> str:
    """The opening paragraph; the office may rewrite it before issuing the notice."""
    plan = context["plan"]
    doc = f"（{plan['doc_number']}）" if plan.get("doc_number") else ""
    reviewed = "经公示和申诉复核，" if context["objections"] else "经公示，"
    return (
        f"根据《{plan['title']}》{doc}和{context['year']}年度考核方案，{plan['region']}碳达峰碳中和工作领导小组"
        f"办公室对{context['scored']}家责任单位{context['year']}年度碳达峰工作进行了考核，从按时报送、任务完成、"
        f"报送质量、指标进度、牵头汇总五个方面计分，并计入加减分事项。{reviewed}现将考核结果通报如下。"
    )


def notice_header(context: dict, issue: dict) -> dict:
    region = context["plan"]["region"]
    year, number = issue.get("year"), issue.get("no")
    today = context["today"]
    return {
        "issuer": f"{region}碳达峰碳中和工作领导小组办公室",
        "doc_number": f"{region}碳达峰办考〔{year}〕{number}号" if number else "（送审稿）",
        "date_text": f"{today.year}年{today.month}月{today.day}日",
        "send_to": f"{region}碳达峰碳中和工作领导小组各成员单位：",
        "copy_to": f"抄送：{region}委、{region}政府主要领导，{region}碳达峰碳中和工作领导小组组长、副组长。",
    }


def notice_document(context: dict, *, summary: str = "", issue: dict | None = None) -> dict:
    """The figures with the wording added: what the Word exporter lays out."""
    document = dict(context)
    document["summary"] = summary.strip() or default_summary(context)
    document["header"] = notice_header(context, issue or {})
    grades = []
    for label, names in context["by_grade"]:
        if names:
            grades.append(f"{label}等次（{len(names)}家）：{'、'.join(names)}。")
    bands = context["bands"]
    grades.append(
        f"等次按得分划分：{bands['excellent']}分及以上为优秀，{bands['good']}分及以上为良好，"
        f"{bands['fair']}分及以上为一般，{bands['fair']}分以下为较差。"
    )
    if context["unscored"]:
        grades.append(f"{'、'.join(context['unscored'])}本年度无考核任务，不参加排名。")
    document["sections"] = [
        {"heading": "一、考核结果", "paragraphs": grades},
        {"heading": "二、得分排名", "paragraphs": ["各单位得分及排名见下表（各分项为原始得分，不适用的分项按比例折算）。"],
         "table": True},
        {"heading": "三、有关要求", "paragraphs": [
            "获评优秀等次的单位要总结经验，继续发挥示范带动作用。",
            "得分较低、等次为一般和较差的单位要认真查找问题，于本通报印发后15个工作日内向领导小组办公室书面报送整改措施。",
            "考核结果作为各单位年度绩效考核的重要依据。各单位要严格按照时间节点报送季度进展，确保碳达峰各项任务按序时进度推进。",
        ]},
    ]  # fmt: skip
    return document


# --- versions, generation, issue ------------------------------------------------------------------


def _queue(notice_id: int) -> None:
    def _send():
        from celery import current_app

        current_app.tasks[NOTICE_JOB].delay(notice_id=notice_id)

    transaction.on_commit(_send)


@transaction.atomic
def notice_request(*, assessment, by=None) -> AssessmentNotice:
    """A new version of the round's notice, generated in the background."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.compute_state != Assessment.Compute.DONE:
        raise ValidationError(_("请等待考核得分计算完成后再生成通报。"))
    latest = AssessmentNotice.objects.filter(assessment=locked).aggregate(v=Max("version"))["v"] or 0
    notice = AssessmentNotice(
        assessment=locked,
        version=latest + 1,
        requested_by=by if getattr(by, "is_authenticated", False) else None,
    )
    notice.save()
    audit_log(actor=by, action="assessment_notice.request", target=notice, plan=assessment.plan)
    _queue(notice.pk)
    return notice


def _regenerate(notice) -> None:
    AssessmentNotice.objects.filter(pk=notice.pk).update(
        state=AssessmentNotice.State.QUEUED, progress=0, message="", error=""
    )
    notice.state = AssessmentNotice.State.QUEUED
    _queue(notice.pk)


def _editable(notice) -> None:
    if notice.is_published:
        raise ValidationError(_("已印发的通报不能再修改。"))
    if notice.state != AssessmentNotice.State.DONE:
        raise ValidationError(_("请等待通报生成完成。"))


def _set_summary(notice, summary: str, by) -> None:
    before = {"summary": notice.summary}
    notice.summary = (summary or "").strip()
    notice.full_clean()
    notice.save(update_fields=["summary"])
    audit_log(
        actor=by, action="assessment_notice.summary", target=notice,
        changes=diff_fields(before, {"summary": notice.summary}), plan=notice.assessment.plan,
    )  # fmt: skip


@transaction.atomic
def notice_summary_update(*, notice, summary: str, by) -> AssessmentNotice:
    notice = AssessmentNotice.objects.select_for_update().select_related("assessment__plan").get(pk=notice.pk)
    _editable(notice)
    _set_summary(notice, summary, by)
    _regenerate(notice)
    return notice


@transaction.atomic
def notice_publish(*, notice, by, summary: str | None = None) -> AssessmentNotice:
    """Issue a version: it takes the plan's next 文号 of the year and is written again
    carrying it. Only published results are issued, one notice per round."""
    notice = AssessmentNotice.objects.select_for_update().select_related("assessment__plan").get(pk=notice.pk)
    plan = notice.assessment.plan
    type(plan).objects.select_for_update().filter(pk=plan.pk).first()
    _editable(notice)
    if not notice.assessment.is_published:
        raise ValidationError(_("考核结果发布后才能印发通报。"))
    if AssessmentNotice.objects.filter(assessment=notice.assessment, issue_no__isnull=False).exists():
        raise ValidationError(_("本轮考核的结果通报已印发。"))
    if summary is not None and summary.strip() != notice.summary:
        _set_summary(notice, summary, by)
    now = timezone.now()
    year = timezone.localdate(now).year
    last = AssessmentNotice.objects.filter(assessment__plan=plan, issue_year=year).aggregate(
        n=Max("issue_no")
    )["n"]
    notice.issue_year, notice.issue_no, notice.published_at = year, (last or 0) + 1, now
    notice.save(update_fields=["issue_year", "issue_no", "published_at"])
    audit_log(
        actor=by, action="assessment_notice.publish", target=notice,
        changes={"issue": [None, f"{year}-{notice.issue_no}"]}, plan=plan,
    )  # fmt: skip
    _regenerate(notice)
    return notice


def _progress(notice_id, percent, message):
    # Outside any transaction, so the page polling the status sees each step.
    AssessmentNotice.objects.filter(pk=notice_id).update(progress=percent, message=message)


def notice_generate(*, notice: AssessmentNotice, today: dt.date | None = None) -> AssessmentNotice:
    """Write the Word document of a requested version, in the site's language whatever
    the language of whoever asked (it is an official document)."""
    from ..exporters.assessment_docx import AssessmentNoticeDocx

    with translation.override(settings.LANGUAGE_CODE):
        pk = notice.pk
        AssessmentNotice.objects.filter(pk=pk).update(
            state=AssessmentNotice.State.RUNNING, progress=10, message="汇总考核结果", error=""
        )
        assessment = Assessment.objects.select_related("plan", "plan__region", "scheme").get(
            pk=notice.assessment_id
        )
        context = notice_context(assessment=assessment, today=today)
        if not notice.summary.strip():
            notice.summary = default_summary(context)
            AssessmentNotice.objects.filter(pk=pk).update(summary=notice.summary)
        document = notice_document(
            context, summary=notice.summary, issue={"year": notice.issue_year, "no": notice.issue_no}
        )
        _progress(pk, 50, "生成Word")
        export = AssessmentNoticeDocx().export(document)
        _progress(pk, 90, "保存文件")
        with transaction.atomic():
            locked = AssessmentNotice.objects.select_for_update().get(pk=pk)
            name = f"assessment-{assessment.plan_id}-{assessment.year}-r{assessment.round}-v{locked.version}.docx"
            locked.docx.save(name, ContentFile(export.content), save=False)
            locked.state, locked.progress, locked.message = AssessmentNotice.State.DONE, 100, "已生成"
            locked.finished_at = timezone.now()
            locked.save()
        return locked


def notice_fail(*, notice_id: int, error) -> None:
    text = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error)
    AssessmentNotice.objects.filter(pk=notice_id).update(
        state=AssessmentNotice.State.FAILED, error=text[:4000], message="生成失败", finished_at=timezone.now()
    )


def download_name(notice) -> str:
    return f"{notice_title(notice.assessment)}-第{notice.version}版.docx"
