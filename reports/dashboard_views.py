"""Pages of the office dashboard, the region view, the leader view and the briefing PDF."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from carbonplan.access import Viewer, get_region_for_user, get_supervised_plan
from carbonplan.access_chain import may_chase_lower
from carbonplan.downloads import file_response
from tasks.handdown_answer import waiting_hand_downs
from tasks.models import Task
from tasks.periods import choose_period, choose_plan_period

from . import dashboards
from .assessment.selectors import assessment_ranking, region_assessments
from .briefing import BriefingExporter
from .dashboards import Filters
from .dashboards.changes import plan_changes, region_changes
from .dashboards.projects import ledger_table, project_panel
from .exporters import dashboard_xlsx
from .marks import figures_pending
from .project_rollups import region_project_table, region_projects, stored_panel
from .region_briefing import RegionBriefingExporter


def _xlsx(request, title, headers, rows, stem):
    filename = f"{stem}-{title}.xlsx"
    return file_response(
        dashboard_xlsx.xlsx_table(title=title, headers=headers, rows=rows, filename=filename)
    )


def _wants_xlsx(request):
    return request.GET.get("format") == "xlsx"


def _period_or_message(request, plan):
    choice = choose_plan_period(plan, request.GET.get("period"))
    if choice.notice:
        messages.warning(request, choice.notice)
    return choice


def _report_history_url(report_pk):
    """The reporting pages own a report's full history (with evidence); link there."""
    try:
        return reverse("tasks:report_history", args=[report_pk])
    except NoReverseMatch:
        return ""


@login_required
def plan_dashboard(request, pk):
    plan = get_supervised_plan(request.user, pk)
    choice = _period_or_message(request, plan)
    filters, errors = Filters.from_query(request.GET)
    for error in errors:
        messages.warning(request, error)
    board = dashboards.plan_dashboard(plan, choice.period, filters) if choice.period else None
    if board and _wants_xlsx(request):
        title, headers, rows = dashboard_xlsx.dashboard_table(board, request.GET.get("table", ""))
        return _xlsx(request, title, headers, rows, f"{plan.region.name}-{choice.period.label}")
    return render(
        request,
        "reports/dashboard.html",
        {
            "plan": plan,
            "choice": choice,
            "period": choice.period,
            "board": board,
            "filters": filters,
            "status_choices": dashboards.STATUS_CHOICES,
            "level_choices": dashboards.LEVEL_CHOICES,
            "chart_data": board.chart_data() if board and board.has_rollups else None,
            "is_office": Viewer.of(request.user).is_office_of(plan),
            "projects": stored_panel(plan, choice.period) if board else None,
            # Changes the stored figures have not counted yet (a job waiting, or Redis away).
            "figures_pending_since": figures_pending(plan),
            "waiting_hand_downs": waiting_hand_downs([plan.pk]),
            # An office above the plan chases it from its 上级催办 page (no query without a region above).
            "may_chase_lower": plan.region.parent_id is not None and may_chase_lower(request.user, plan),
        },
    )


@login_required
def project_ledger(request, pk):
    """重点项目台账 of a plan's quarter, for its office and leaders, and its Excel export."""
    plan = get_supervised_plan(request.user, pk)
    choice = _period_or_message(request, plan)
    panel = project_panel(plan, choice.period) if choice.period else None
    if panel is not None and _wants_xlsx(request):
        title, headers, rows = ledger_table(panel)
        return _xlsx(request, title, headers, rows, f"{plan.region.name}-{choice.period.label}")
    return render(
        request,
        "reports/projects.html",
        {
            "plan": plan,
            "choice": choice,
            "period": choice.period,
            "projects": panel,
            "is_office": Viewer.of(request.user).is_office_of(plan),
        },
    )


@login_required
def task_detail(request, pk, task_pk):
    plan = get_supervised_plan(request.user, pk)
    choice = _period_or_message(request, plan)
    if choice.period is None:
        return render(request, "reports/dashboard_task.html", {"plan": plan, "choice": choice, "drill": None})
    drill = dashboards.task_drilldown(plan, task_pk, choice.period)
    if _wants_xlsx(request):
        title, headers, rows = dashboard_xlsx.task_table(drill)
        return _xlsx(request, title, headers, rows, f"{drill.task.number}-{choice.period.label}")
    rows = [(a, r, _report_history_url(r.pk) if r else "") for a, r in drill.reports]
    viewer = Viewer.of(request.user)
    handed_down = dashboards.handed_down_board(drill.task, choice.period.label, region=plan.region)
    for row in handed_down.rows:
        row.may_open = viewer.supervises(row.plan)
    parent = drill.task.parent
    return render(
        request,
        "reports/dashboard_task.html",
        {
            "plan": plan,
            "choice": choice,
            "period": choice.period,
            "drill": drill,
            "rows": rows,
            "may_chase": viewer.is_office_of(plan),
            "handed_down": handed_down,
            "parent": parent,
            "parent_visible": parent is not None and viewer.supervises(parent.action.plan),
            "progress_sources": Task.ProgressSource.choices,
        },
    )


@login_required
def region_dashboard(request, pk):
    region = get_region_for_user(request.user, pk)
    choice = choose_period(dashboards.region_periods(region), request.GET.get("period"))
    if choice.notice:
        messages.warning(request, choice.notice)
    labels, label = [p.label for p in choice.periods], choice.label
    # The Excel export lists every plan below; the page shows them a page at a time.
    page = None if _wants_xlsx(request) else (request.GET.get("page") or 1)
    board = dashboards.region_dashboard(region, label, page=page) if label else None
    if board and _wants_xlsx(request):
        if request.GET.get("table") == "handed-down":
            table = dashboard_xlsx.handed_down_table(dashboards.region_handed_down(region, label))
        elif request.GET.get("table") == "projects":
            table = region_project_table(region_projects(board))
        else:
            table = dashboard_xlsx.region_table(board, request.GET.get("table", ""))
        return _xlsx(request, *table, f"{region.name}-{label}")
    return render(
        request,
        "reports/dashboard_region.html",
        {
            "region": region,
            "labels": labels,
            "label": label,
            "board": board,
            "chart_data": board.chart_data() if board else None,
            "region_office": Viewer.of(request.user).is_office_of_region(region),
            "assessments": region_assessments([p for p, _r in board.own_plans + board.plans])
            if board
            else [],
            "handed_down": dashboards.region_handed_down(region, label) if label else [],
            **(_region_changes(board) if board else {}),
            "projects": region_projects(board) if board else None,
        },
    )


def _region_changes(board) -> dict:
    """The rows of the region page's tables with their change since last quarter: one
    query for the plans (own and below), one for the regions below a province."""
    rows = plan_changes(board.own_plans + board.plans, board.period_label)
    own = len(board.own_plans)
    changes = region_changes(board.children, board.period_label) if board.children else {}
    return {
        "own_rows": rows[:own],
        "plan_rows": rows[own:],
        "child_rows": [(child, changes[child.pk]) for child in board.children],
    }


@login_required
def leader_view(request, pk):
    plan = get_supervised_plan(request.user, pk)
    choice = _period_or_message(request, plan)
    summary = dashboards.leader_summary(plan, choice.period) if choice.period else None
    return render(
        request,
        "reports/dashboard_leader.html",
        {
            "plan": plan,
            "choice": choice,
            "period": choice.period,
            "summary": summary,
            "chart_data": summary.chart_data() if summary else None,
            "ranking": assessment_ranking(plan),
            "projects": stored_panel(plan, choice.period) if summary else None,
        },
    )


def _briefing_user(request):
    """Session or `Authorization: Token …`: leaders download from the page, other
    tools fetch it with the API token."""
    if request.headers.get("Authorization"):
        try:
            result = TokenAuthentication().authenticate(request)
        except AuthenticationFailed as exc:
            return None, HttpResponse(str(exc.detail), status=401, content_type="text/plain; charset=utf-8")
        if result is not None:
            return result[0], None
    if request.user.is_authenticated:
        return request.user, None
    return None, redirect_to_login(request.get_full_path())


def briefing_pdf(request, pk):
    user, refusal = _briefing_user(request)
    if refusal is not None:
        return refusal
    plan = get_supervised_plan(user, pk)
    choice = choose_plan_period(plan, request.GET.get("period"))
    if choice.notice or choice.period is None:
        return HttpResponse(
            choice.notice or _("该方案还没有填报季度，无法生成简报。"),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    export = BriefingExporter(plan=plan, period=choice.period).export()
    return file_response(export, inline=request.GET.get("download") != "1")


def region_briefing_pdf(request, pk):
    """The region's briefing for its upper leader: the same access as the region page."""
    user, refusal = _briefing_user(request)
    if refusal is not None:
        return refusal
    region = get_region_for_user(user, pk)
    choice = choose_period(dashboards.region_periods(region), request.GET.get("period"))
    if choice.notice or not choice.label:
        return HttpResponse(
            choice.notice or _("该地区还没有填报季度，无法生成简报。"),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    export = RegionBriefingExporter(region=region, label=choice.label).export()
    return file_response(export, inline=request.GET.get("download") != "1")
