"""The dashboard, region and task drill-down tables as .xlsx downloads."""

from __future__ import annotations

from collections import defaultdict

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from carbonplan.downloads import Export
from carbonplan.spreadsheets import table_workbook
from tasks.models import label_display

from ..dashboards import LEVEL_CHOICES, PlanDashboard, RegionDashboard, TaskDrilldown
from ..dashboards.changes import plan_changes, region_changes
from ..models import TaskLight


def xlsx_table(*, title: str, headers: list[str], rows: list[list], filename: str) -> Export:
    """One table as an .xlsx workbook."""
    return table_workbook(title=title, headers=headers, rows=rows).export(filename)


def _pct(value):
    return None if value is None else round(float(value), 1)


def dashboard_table(board: PlanDashboard, table: str) -> tuple[str, list[str], list[list]]:
    """(title, headers, rows) of one dashboard table, as shown on the page."""
    if table == "actions":
        counts = defaultdict(int)
        for row in board.all_tasks:
            counts[row.task.action_id] += 1
        return (
            _("重点行动进度"),
            [
                _("重点行动"),
                _("任务数"),
                _("平均完成进度（%）"),
                _("红灯"),
                _("黄灯"),
                _("绿灯"),
                _("滞后"),
                _("未报"),
            ],
            [
                [
                    f"{a.label}{a.title}",
                    counts.get(a.pk, 0),
                    _pct(r.completion) if r else None,
                    r.red if r else 0,
                    r.yellow if r else 0,
                    r.green if r else 0,
                    r.lagging if r else 0,
                    r.counts.missing if r else 0,
                ]
                for a, r in board.actions
            ],
        )
    if table == "agencies":
        return (
            _("单位报送情况"),
            [
                _("单位"),
                _("应报"),
                _("按时报送"),
                _("按时报送率（%）"),
                _("逾期报送"),
                _("未报"),
                _("被退回"),
                _("滞后任务"),
                _("平均完成进度（%）"),
            ],
            [
                [
                    r.agency.name if r.agency else "",
                    r.expected,
                    r.on_time,
                    r.on_time_rate,
                    r.late,
                    r.counts.missing,
                    r.returned,
                    r.lagging,
                    _pct(r.completion),
                ]
                for r in board.agencies
            ],
        )
    if table == "tasks":
        return (
            _("任务进展"),
            [
                _("编号"),
                _("重点任务"),
                _("牵头单位"),
                _("配合单位"),
                _("推进状态"),
                _("完成进度（%）"),
                _("预警"),
                _("原因"),
            ],
            [
                [
                    row.task.number,
                    row.task.title,
                    "、".join(a.agency.name for a in row.leads),
                    "、".join(a.agency.name for a in row.supports),
                    str(row.status_label),
                    _pct(row.rollup.completion) if row.rollup else None,
                    str(dict(LEVEL_CHOICES).get(row.level, "")),
                    "；".join(row.reasons),
                ]
                for row in board.tasks
            ],
        )
    if table == "indicators":
        return (
            _("指标完成情况"),
            [
                _("指标"),
                _("单位"),
                _("目标"),
                _("目标年份"),
                _("最新值"),
                _("数据季度"),
                _("基期"),
                _("完成率（%）"),
                _("序时进度"),
                _("状态"),
            ],
            [
                [
                    c.indicator.name,
                    c.indicator.unit,
                    c.target_text,
                    c.indicator.target_year,
                    c.value_text if c.is_descriptive else c.value,
                    label_display(c.value_period),
                    c.baseline_text,
                    _pct(c.attainment),
                    c.progress_text,
                    str(c.status_label),
                ]
                for c in board.indicators
            ],
        )
    raise Http404


def _rollup_headers() -> list[str]:
    return [_("平均完成进度（%）"), _("红灯"), _("黄灯"), _("绿灯"), _("按时报送率（%）"), _("指标落后")]


def _rollup_cells(r) -> list:
    """The figures of a stored plan or region rollup, blank where none was computed."""
    if r is None:
        return [None] * 6
    return [_pct(r.completion), r.red, r.yellow, r.green, r.on_time_rate, r.indicators_behind]


def _change_headers() -> list[str]:
    return [_("完成进度较上季度（百分点）"), _("红灯较上季度")]


def _change_cells(change) -> list:
    """The change since last quarter (reports.dashboards.changes), blank where either
    quarter has no stored rollup."""
    return [_pct(change.completion_change), change.red_change]


def region_table(board: RegionDashboard, table: str) -> tuple[str, list[str], list[list]]:
    if table == "regions" and board.by_region:
        changes = region_changes(board.children, board.period_label)
        return (
            _("各市（州）进度"),
            [_("地区"), _("方案数"), *_rollup_headers(), *_change_headers()],
            [
                [
                    child.name,
                    child.plan_count,
                    *_rollup_cells(child.rollup),
                    *_change_cells(changes[child.pk]),
                ]
                for child in board.children
            ],
        )
    if table == "indicators" and board.by_region:
        return _("共同指标对比"), *_region_tallies(board)
    if table == "plans":
        return (
            _("各地方案进度"),
            [_("地区"), _("方案"), *_rollup_headers(), *_change_headers()],
            [
                [row.plan.region.name, row.plan.title, *_rollup_cells(row.rollup), *_change_cells(row)]
                for row in plan_changes(board.plans, board.period_label)
            ],
        )
    if table == "indicators":
        headers = [_("指标"), _("单位"), _("%(region)s目标") % {"region": board.region.name}]
        plans = [plan for plan, _r in board.plans]
        headers += [plan.region.name for plan in plans]
        rows = []
        for shared in board.shared:
            row = [shared.name, shared.unit, shared.city_target]
            for plan in plans:
                cell = shared.cells.get(plan.pk)
                row.append(cell.value if cell else None)
            rows.append(row)
        return _("共同指标对比"), headers, rows
    raise Http404


def _region_tallies(board: RegionDashboard) -> tuple[list[str], list[list]]:
    """One row per shared indicator and child region, so the workbook filters and
    pivots by either rather than packing five figures into each cell of a matrix."""
    headers = [
        _("指标"),
        _("单位"),
        _("%(region)s目标") % {"region": board.region.name},
        _("地区"),
        _("设定该指标的方案数"),
        _("达到序时进度"),
        _("落后序时进度"),
        _("无数据"),
        _("平均完成率（%）"),
    ]
    rows = []
    for shared in board.shared:
        for child, tally in zip(board.children, shared.row, strict=True):
            rows.append(
                [
                    shared.name,
                    shared.unit,
                    shared.city_target,
                    child.name,
                    tally.plans if tally else 0,
                    tally.on_track if tally else None,
                    tally.behind if tally else None,
                    tally.no_data if tally else None,
                    _pct(tally.mean) if tally else None,
                ]
            )
    return headers, rows


def task_table(drill: TaskDrilldown) -> tuple[str, list[str], list[list]]:
    return (
        _("任务填报"),
        [
            _("单位"),
            _("职责"),
            _("填报状态"),
            _("推进状态"),
            _("完成进度（%）"),
            _("进展情况"),
            _("存在问题"),
            _("下步计划"),
            _("提交时间"),
            _("逾期"),
            _("退回次数"),
        ],
        [
            [
                (r.agency.name if r else a.agency.name),
                a.get_role_display() if a else "",
                r.get_state_display() if r else _("未报送"),
                r.get_status_display() if r else "",
                _pct(r.percent) if r else None,
                r.progress_text if r else "",
                r.problems if r else "",
                r.next_steps if r else "",
                timezone.localtime(r.submitted_at).strftime("%Y-%m-%d %H:%M") if r and r.submitted_at else "",
                (_("是") if r.is_late else _("否")) if r else "",
                r.return_count if r else None,
            ]
            for a, r in drill.reports
        ],
    )


def handed_down_table(items) -> tuple[str, list[str], list[list]]:
    """The region's handed-down tasks (dashboards.region_handed_down): one row per lower
    task answering one, with its light, and one per plan below not answering it yet: handed
    it and waiting for the lower office, or not handed it."""
    levels = dict(TaskLight.Level.choices)
    headers = [_("上级任务"), _("地区"), _("方案"), _("下级任务"), _("下达方式"), _("预警")]
    rows = []
    for item in items:
        upper = f"{item.task.number} {item.task.title}"
        for lower, level in item.lower:
            plan = lower.action.plan
            rows.append(
                [upper, plan.region.name, plan.title, f"{lower.number} {lower.title}",
                 lower.get_link_kind_display(), str(levels.get(level, "—"))]
            )  # fmt: skip
        for plan in item.waiting:
            rows.append([upper, plan.region.name, plan.title, "", str(_("已下达、待下级落实")), ""])
        for plan in item.not_handed:
            rows.append([upper, plan.region.name, plan.title, "", str(_("尚未下达")), ""])
    return _("上级任务下达落实情况"), headers, rows
