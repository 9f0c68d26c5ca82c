"""The key-project panel of a plan's quarter (重点项目推进情况): projects by stage, investment
completed against planned and against 序时进度, capacity in operation against planned,
and the projects behind schedule with their reasons. The dashboard, the leader view, the
ledger page and its Excel export, and the bulletin read this one summary, built with a
fixed number of queries whatever the number of projects.

A project's quarter counts once the office has approved the report that carries it; the
figures of a past quarter are those approved up to it, and its lights are judged at its
last day (the current quarter's today)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.models import Project, ProjectStage, ProjectUpdate, ReportState, TaskAssignment
from tasks.projects import ProjectLight, investment_schedule_share, project_light

# Power units summed as 万千瓦 (what county plans count new-energy capacity in).
POWER_IN_WAN_KW = {
    "万千瓦": Decimal(1),
    "千瓦": Decimal("0.0001"),
    "kW": Decimal("0.0001"),
    "KW": Decimal("0.0001"),
    "兆瓦": Decimal("0.1"),
    "MW": Decimal("0.1"),
    "MWp": Decimal("0.1"),
    "吉瓦": Decimal(100),
    "GW": Decimal(100),
}
WAN_KW = "万千瓦"


@dataclass
class ProjectRow:
    project: Project
    number: str  # the task's number, 1.2
    agency: str
    stage: str
    stage_label: str
    investment_done: Decimal | None
    capacity_operating: Decimal | None
    light: str
    reason: str
    problems: str
    update: ProjectUpdate | None

    @property
    def name(self) -> str:
        return self.project.name

    @property
    def light_label(self) -> str:
        return {ProjectLight.RED: _("红灯"), ProjectLight.YELLOW: _("黄灯")}.get(self.light, _("绿灯"))


def investment_share(part, planned) -> float | None:
    """`part` as a share of the planned investment, in % to one decimal; None without a plan."""
    if not planned:
        return None
    return round(float(part / planned * 100), 1)


class InvestmentRates:
    """完成投资 and 序时 investment as shares of the planned investment, for a panel with
    investment_planned, investment_done and investment_expected (computed or stored)."""

    @property
    def investment_rate(self) -> float | None:
        return investment_share(self.investment_done, self.investment_planned)

    @property
    def expected_rate(self) -> float | None:
        return investment_share(self.investment_expected, self.investment_planned)


@dataclass
class ProjectPanel(InvestmentRates):
    rows: list[ProjectRow]
    as_of: dt.date
    stages: list[tuple[str, str, int]] = field(default_factory=list)  # (stage, label, count)
    investment_planned: Decimal = Decimal(0)
    investment_done: Decimal = Decimal(0)
    investment_expected: Decimal = Decimal(0)
    capacity: list[dict] = field(default_factory=list)  # {"unit", "planned", "operating"}

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def behind(self) -> list[ProjectRow]:
        order = {ProjectLight.RED: 0, ProjectLight.YELLOW: 1}
        return sorted((r for r in self.rows if r.light != ProjectLight.GREEN), key=lambda r: order[r.light])

    def as_data(self) -> dict:
        """Plain data for the bulletin (stored with its figures)."""
        return {
            "count": self.count,
            "stages": [{"stage": s, "label": label, "count": n} for s, label, n in self.stages],
            "investment_planned": _num(self.investment_planned),
            "investment_done": _num(self.investment_done),
            "investment_expected": _num(self.investment_expected),
            "investment_rate": self.investment_rate,
            "expected_rate": self.expected_rate,
            "capacity": [{k: _num(v) if k != "unit" else v for k, v in c.items()} for c in self.capacity],
            "rows": [_row_data(r) for r in self.rows],
            "behind": [_row_data(r) for r in self.behind],
        }


def _num(value):
    return None if value is None else float(value)


def _row_data(r: ProjectRow) -> dict:
    p = r.project
    return {
        "number": r.number,
        "name": p.name,
        "agency": r.agency,
        "capacity": _num(p.capacity),
        "unit": p.unit,
        "investment_planned": _num(p.investment_planned),
        "investment_done": _num(r.investment_done),
        "planned_start": p.planned_start.isoformat() if p.planned_start else "",
        "planned_finish": p.planned_finish.isoformat() if p.planned_finish else "",
        "stage": r.stage,
        "stage_label": r.stage_label,
        "light": r.light,
        "light_label": str(r.light_label),
        "reason": r.reason,
        "problems": r.problems,
    }


def project_panel(plan, period, *, today: dt.date | None = None) -> ProjectPanel:
    return panel_from(read_projects(plan), period, today=today)


PROJECT_COLUMNS = (
    "seq", "name", "location", "agency", "capacity", "unit", "investment_planned",
    "planned_start", "planned_finish", "stage", "archived_at",
)  # fmt: skip
UPDATE_COLUMNS = (
    "project",
    "period",
    "report",
    "stage",
    "investment_cumulative",
    "capacity_operating",
    "problems",
)


@dataclass
class PlanProjects:
    """What a plan's panels read, once for any number of quarters: its active projects
    (with their task and owner) and every approved quarter of them, oldest first."""

    projects: list
    updates: list


def read_projects(plan) -> PlanProjects:
    """Three queries (one when the plan has no projects), of the columns the panels use
    only: the stored figures read these, and each is in its model's figure fields."""
    projects = list(
        Project.objects.filter(task__action__plan=plan)
        .active()
        .select_related("task__action", "agency")
        .only(*PROJECT_COLUMNS, "task", "task__seq", "task__action", "task__action__seq", "agency__name")
        .prefetch_related(
            Prefetch(
                "task__assignments",
                queryset=TaskAssignment.objects.filter(role=TaskAssignment.Role.LEAD)
                .select_related("agency")
                .only("task", "role", "seq", "agency", "agency__name")
                .order_by("seq", "id"),
                to_attr="lead_assignments",
            )
        )
        .order_by("task__action__seq", "task__seq", "seq", "id")
    )
    updates = []
    if projects:
        updates = list(
            ProjectUpdate.objects.filter(
                project__in=[p.pk for p in projects], report__state=ReportState.APPROVED
            )
            .select_related("period")
            .only(*UPDATE_COLUMNS, "period__starts_on")
            .order_by("period__starts_on", "id")
        )
    return PlanProjects(projects=projects, updates=updates)


def panel_from(data: PlanProjects, period, *, today: dt.date | None = None) -> ProjectPanel:
    """The panel of one quarter from the plan's read (read_projects), without a query."""
    today = today or timezone.localdate()
    as_of = min(today, period.ends_on)
    projects = data.projects
    # The approved quarters up to this one, oldest first: the last one read wins.
    latest: dict[int, ProjectUpdate] = {}
    cumulative: dict[int, Decimal] = {}
    operating: dict[int, Decimal] = {}
    has_approved: set[int] = set()
    for update in data.updates:
        has_approved.add(update.project_id)
        if update.period.starts_on > period.starts_on:
            continue
        latest[update.project_id] = update
        if update.investment_cumulative is not None:
            cumulative[update.project_id] = update.investment_cumulative
        if update.capacity_operating is not None:
            operating[update.project_id] = update.capacity_operating

    rows, by_stage = [], dict.fromkeys(ProjectStage.values, 0)
    panel = ProjectPanel(rows=rows, as_of=as_of)
    capacity: dict[str, dict] = {}
    for project in projects:
        update = latest.get(project.pk)
        if update is not None:
            stage = update.stage
        else:
            # Before its first approved quarter a project is where the ledger began it.
            stage = ProjectStage.PREPARING if project.pk in has_approved else project.stage
        as_then = Project(
            stage=stage, planned_start=project.planned_start, planned_finish=project.planned_finish
        )
        signal = project_light(as_then, as_of)
        running = operating.get(project.pk)
        if running is None and stage == ProjectStage.OPERATING:
            running = project.capacity
        owner = project.owner
        rows.append(
            ProjectRow(
                project=project,
                number=f"{project.task.action.seq}.{project.task.seq}",
                agency=owner.name if owner else "—",
                stage=stage,
                stage_label=str(ProjectStage(stage).label),
                investment_done=cumulative.get(project.pk),
                capacity_operating=running,
                light=signal.light,
                reason=signal.reason,
                problems=(update.problems if update else "").strip(),
                update=update,
            )
        )
        by_stage[stage] += 1
        if project.investment_planned is not None:
            panel.investment_planned += project.investment_planned
            share = investment_schedule_share(project, as_of)
            if share is not None:
                panel.investment_expected += project.investment_planned * share
        panel.investment_done += cumulative.get(project.pk) or Decimal(0)
        if project.capacity is not None and project.unit:
            factor = POWER_IN_WAN_KW.get(project.unit)
            unit = WAN_KW if factor is not None else project.unit
            factor = factor or Decimal(1)
            total = capacity.setdefault(unit, {"unit": unit, "planned": Decimal(0), "operating": Decimal(0)})
            total["planned"] += project.capacity * factor
            total["operating"] += (running or Decimal(0)) * factor
    panel.stages = [(s, str(ProjectStage(s).label), by_stage[s]) for s in ProjectStage.values]
    panel.investment_expected = panel.investment_expected.quantize(Decimal("0.01"))
    panel.capacity = sorted(capacity.values(), key=lambda c: (c["unit"] != WAN_KW, c["unit"]))
    return panel


def ledger_table(panel: ProjectPanel) -> tuple[str, list[str], list[list]]:
    """(title, headers, rows) of the ledger as the page shows it, for the Excel export."""
    headers = [
        _("任务"), _("项目名称"), _("责任单位"), _("建设规模"), _("规模单位"), _("计划投资（万元）"),
        _("累计完成投资（万元）"), _("计划开工"), _("计划建成"), _("项目阶段"), _("预警"), _("预警原因"),
        _("存在问题"),
    ]  # fmt: skip
    rows = [
        [
            r.number,
            r.project.name,
            r.agency,
            _num(r.project.capacity),
            r.project.unit,
            _num(r.project.investment_planned),
            _num(r.investment_done),
            r.project.planned_start,
            r.project.planned_finish,
            r.stage_label,
            str(r.light_label),
            r.reason,
            r.problems,
        ]  # fmt: skip
        for r in panel.rows
    ]
    return _("重点项目台账"), headers, rows
