"""督查通报: the figures of a plan's quarter, gathered into one context that the PDF,
DOCX and XLSX exporters lay out, and the generation of a stored, versioned bulletin."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from indicators.assessment import BEHIND_STATUSES
from tasks.consolidation import ReviewPolicy
from tasks.models import ProgressReport, Task, TaskAssignment

from .assessment.selectors import bulletin_ranking
from .bulletin_runs import heartbeat
from .bulletin_sections import default_summary
from .counts import ONE_DECIMAL
from .dashboards.indicator_cards import indicator_cards
from .dashboards.projects import project_panel
from .models import Bulletin, Rollup, TaskLight
from .rollups import rollup_plan_period


def _pct(value):
    # One decimal, half up, like every page (reports.counts.percent).
    return None if value is None else float(Decimal(value).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP))


def bulletin_title(plan, period) -> str:
    return f"{plan.region.name}碳达峰工作督查通报（{period.display_name}）"


def bulletin_context(*, plan, period, today: dt.date | None = None, recompute: bool = True) -> dict:
    """Everything a bulletin says, as plain data (a fixed number of queries)."""
    today = today or timezone.localdate()
    if recompute:
        rollup_plan_period(plan=plan, period=period, today=today)
    rollups = list(
        Rollup.objects.filter(plan=plan, period=period)
        .exclude(scope=Rollup.Scope.REGION)
        .select_related("action", "agency")
    )
    plan_row = next((r for r in rollups if r.scope == Rollup.Scope.PLAN), None) or Rollup()
    tasks = {
        t.pk: t
        for t in Task.objects.filter(action__plan=plan)
        .active()
        .select_related("action")
        .order_by("action__seq", "seq")
    }
    leads = defaultdict(list)
    for task_id, name in (
        TaskAssignment.objects.filter(task__action__plan=plan, role=TaskAssignment.Role.LEAD)
        .order_by("task_id", "seq", "id")
        .values_list("task_id", "agency__name")
    ):
        leads[task_id].append(name)

    task_count = len(tasks)
    counts = plan_row.counts  # reports.counts: the figures the pages show too
    overview = {
        "tasks": task_count,
        "actions": sum(1 for r in rollups if r.scope == Rollup.Scope.ACTION),
        "expected": counts.expected,
        "reported": counts.submitted,
        "approved": counts.approved,
        "returned": counts.returned,
        "missing": counts.missing,
        "late": counts.late,
        "reported_rate": _pct(counts.reported_rate),
        "on_time_rate": _pct(counts.on_time_rate),
        "completion": _pct(plan_row.completion),
        "red": plan_row.red,
        "yellow": plan_row.yellow,
        "green": plan_row.green,
        "done": plan_row.done,
        "lagging": plan_row.lagging,
        "indicators": plan_row.indicators,
        "indicators_on_track": plan_row.indicators_on_track,
        "indicators_behind": plan_row.indicators_behind,
        "indicators_unassessed": plan_row.indicators_no_data + plan_row.indicators_no_baseline,
    }

    actions = [
        {
            "label": r.action.label,
            "title": r.action.title,
            "seq": r.action.seq,
            "tasks": r.red + r.yellow + r.green,
            "expected": r.expected,
            "reported": r.counts.submitted,
            "completion": _pct(r.completion),
            "red": r.red,
            "yellow": r.yellow,
            "green": r.green,
        }
        for r in rollups
        if r.scope == Rollup.Scope.ACTION
    ]
    actions.sort(key=lambda a: a["seq"])

    warnings = []
    for light in TaskLight.objects.filter(
        period=period, task__action__plan=plan, level__in=["red", "yellow"]
    ):
        task = tasks.get(light.task_id)
        if task is None:
            continue
        warnings.append(
            {
                "level": light.level,
                "level_label": light.get_level_display(),
                "number": task.number,
                "title": task.title,
                "action": task.action.title,
                "leads": "、".join(leads.get(task.pk, [])) or "—",
                "reasons": list(light.reasons),
                "order": (light.level != "red", task.action.seq, task.seq),
            }
        )
    warnings.sort(key=lambda w: w["order"])

    agencies = []
    for r in rollups:
        if r.scope != Rollup.Scope.AGENCY:
            continue
        counts = r.counts
        agencies.append(
            {
                "name": r.agency.name,
                "expected": counts.expected,
                "reported": counts.submitted,
                "on_time": counts.on_time,
                "late": counts.late,
                "missing": counts.missing,
                "returns": r.returns,
                "on_time_rate": _pct(counts.on_time_rate),
                "red": r.red,
            }
        )
    # Ranking: on-time rate first, then fewer returns, then fewer missing reports.
    agencies.sort(key=lambda a: (-(a["on_time_rate"] or 0), a["returns"], a["missing"], a["name"]))
    for rank, row in enumerate(agencies, start=1):
        row["rank"] = rank

    indicators = []
    # The stored assessments, as every page shows them (computed just above).
    for item in indicator_cards(plan, period):
        ind, res = item.indicator, item.assessment
        indicators.append(
            {
                "name": ind.name,
                "unit": ind.unit,
                "task": ind.task.number if ind.task_id else "主要目标",
                "target": item.target_text,
                "target_year": ind.target_year or plan.end_year or plan.plan_year or "",
                "baseline": item.baseline_text,
                "value": None if res.value is None else item.value_text,
                "value_period": item.value_period,
                "expected": item.progress_text or None,
                "attainment": _pct(res.attainment),
                "status": res.status,
                "status_label": str(item.status_label),
                "behind": res.status in BEHIND_STATUSES,
                "note": res.note,
            }
        )

    problem_reports = ProgressReport.objects.filter(period=period, task__action__plan=plan)
    if ReviewPolicy.of(plan).lead_consolidates:
        # A consolidated input's problems are in its lead's report already; an input not
        # (yet) consolidated still counts, so nothing an agency reported is dropped.
        problem_reports = problem_reports.exclude(consolidated_in__isnull=False)
    problems = [
        {
            "task": f"{r.task.action.seq}.{r.task.seq}",
            "task_title": r.task.title,
            "agency": r.agency.name,
            "text": r.problems.strip(),
            "next_steps": r.next_steps.strip(),
        }
        for r in problem_reports.exclude(state=ProgressReport.State.DRAFT)
        .exclude(problems="")
        .select_related("task", "task__action", "agency")
        .order_by("task__action__seq", "task__seq", "agency__name")
    ]

    projects = project_panel(plan, period, today=today).as_data()
    missing_agencies = sorted({a["name"] for a in agencies if a["missing"]})
    next_steps = []
    if missing_agencies:
        next_steps.append(
            f"请{'、'.join(missing_agencies)}于收到本通报后5个工作日内补报{period.display_name}进展情况，逾期将予以通报。"
        )
    reds = [w for w in warnings if w["level"] == "red"]
    if reds:
        next_steps.append(
            f"对{len(reds)}项红灯任务，牵头单位要逐项分析原因、制定整改措施，下季度调度前报送整改情况。"
        )
    if overview["indicators_behind"]:
        next_steps.append(
            f"{overview['indicators_behind']}项指标落后序时进度，相关单位要加快项目建设和数据统计，确保年度目标完成。"
        )
    if overview["yellow"]:
        next_steps.append(f"对{overview['yellow']}项黄灯任务，牵头单位要加强调度，防止转为红灯。")
    late_projects = [r for r in projects["behind"] if r["light"] == "red"]
    if late_projects:
        next_steps.append(
            f"对{len(late_projects)}个逾期未建成投产的重点项目，责任单位要倒排工期、挂图作战，下季度调度前报送推进情况。"
        )
    next_steps.append("各单位要严格按照时间节点报送季度进展，专班办公室将持续跟踪督办。")

    return {
        "assessment": bulletin_ranking(plan, period),
        "title": bulletin_title(plan, period),
        "plan": {"title": plan.title, "doc_number": plan.doc_number, "region": plan.region.name},
        "period": {
            "label": period.label,
            "display": period.display_name,
            "year": period.year,
            "quarter": period.quarter,
            "deadline": period.deadline,
        },
        "today": today,
        "overview": overview,
        "actions": actions,
        "warnings": warnings,
        "agencies": agencies,
        "indicators": indicators,
        "problems": problems,
        "projects": projects,
        "next_steps": next_steps,
    }


def _progress(bulletin_id, percent, message):
    # Outside any transaction so the page polling the status sees each step; a step is
    # also a sign of life (reports/bulletin_runs.py).
    Bulletin.objects.filter(pk=bulletin_id).update(
        progress=percent, message=message, heartbeat_at=timezone.now()
    )


def bulletin_generate(
    *, bulletin: Bulletin, today: dt.date | None = None, attempt: int | None = None, beat: bool = True
) -> Bulletin:
    """Build the three files of a requested bulletin, reporting progress as it goes.
    `attempt` is the run's lease (reports/bulletin_runs.py): the run beats while it
    works (unless `beat` is off: a run inside the request, which cannot stall apart from
    it) and stores nothing once another run has taken over.

    A bulletin is an official Chinese document: it is worded in the site's language
    whatever the language of whoever requested it (jobs may run in the request)."""
    with translation.override(settings.LANGUAGE_CODE), heartbeat(bulletin.pk, attempt if beat else None):
        return _generate(bulletin=bulletin, today=today, attempt=attempt)


def _generate(*, bulletin: Bulletin, today: dt.date | None, attempt: int | None) -> Bulletin:
    from .exporters import BulletinDocx, BulletinPdf, BulletinXlsx

    pk = bulletin.pk
    Bulletin.objects.filter(pk=pk).update(
        state=Bulletin.State.RUNNING, started_at=timezone.now(), progress=5, message="汇总进度数据", error=""
    )
    context = bulletin_context(plan=bulletin.plan, period=bulletin.period, today=today)
    context["version"] = bulletin.version
    context["issue"] = {"year": bulletin.issue_year, "no": bulletin.issue_no}
    if not bulletin.summary.strip():
        # The office reads and may rewrite this paragraph before issuing the bulletin.
        bulletin.summary = default_summary(context)
        Bulletin.objects.filter(pk=pk).update(summary=bulletin.summary)
    context["summary"] = bulletin.summary
    files = {}
    steps = [
        ("pdf", BulletinPdf, "生成PDF"),
        ("docx", BulletinDocx, "生成Word"),
        ("xlsx", BulletinXlsx, "生成Excel"),
    ]
    for index, (field, exporter, message) in enumerate(steps):
        _progress(pk, 25 + index * 25, message)
        files[field] = exporter().export(context)
    _progress(pk, 95, "保存文件")
    with transaction.atomic():
        locked = Bulletin.objects.select_for_update().get(pk=pk)
        if attempt is not None and (locked.attempt, locked.state) != (attempt, Bulletin.State.RUNNING):
            # This run stalled and another one took over: its files are the bulletin's.
            return locked
        base = f"bulletin-{locked.plan_id}-{locked.period.label}-v{locked.version}"
        for field, (_name, _mimetype, content) in files.items():
            getattr(locked, field).save(f"{base}.{field}", ContentFile(content), save=False)
        locked.state = Bulletin.State.DONE
        locked.progress = 100
        locked.message = "已生成"
        locked.finished_at = timezone.now()
        locked.save()
    return locked


def bulletin_fail(*, bulletin_id: int, error) -> None:
    text = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error)
    Bulletin.objects.filter(pk=bulletin_id).update(
        state=Bulletin.State.FAILED, error=text[:4000], message="生成失败", finished_at=timezone.now()
    )


def download_name(bulletin: Bulletin, field: str) -> str:
    return f"{bulletin_title(bulletin.plan, bulletin.period)}-第{bulletin.version}版.{field}"


def bulletins_request_due(*, today: dt.date | None = None) -> list[Bulletin]:
    """A first bulletin for every quarter whose deadline has passed and that has none yet."""
    from tasks.models import ReportingPeriod

    from .services import bulletin_request

    today = today or timezone.localdate()
    # Only recent quarters: a plan imported today should not produce years of bulletins.
    due = (
        ReportingPeriod.objects.filter(deadline__lt=today, deadline__gte=today - dt.timedelta(days=60))
        .exclude(pk__in=Bulletin.objects.values("period_id"))
        .select_related("plan")
    )
    return [bulletin_request(plan=period.plan, period=period, by=None) for period in due]
