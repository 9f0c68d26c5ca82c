"""Stored key-project figures (重点项目): one ProjectRollup per plan and quarter, computed
with the plan's other rollups (reports.rollups calls plan_rows and replace_plan_rows in
its computation, and store_regions in its region pass), and one per region and quarter
summing the plans of the region and of the regions below it.

A plan's row holds what its panel shows (reports.dashboards.projects, computed from
the same read): projects by stage and by light, planned investment, investment
completed (cumulative, approved quarters) and its 序时进度, capacity planned and in
operation — power in 万千瓦, other sizes (座, 公里…) listed by unit — and the projects
behind schedule. Project and ProjectUpdate are figure sources (tasks.figure_sources):
a write to either marks every quarter of the plan, since a quarter's figures read the
approved quarters before it and a project's first approval changes how earlier
quarters read it. A plan without projects has no row; a region without any has none.

The dashboard and the leader view read the stored row (stored_panel, one query); the
ledger page and the bulletin list every project from the live ledger."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.models import ProjectStage
from tasks.projects import REASONS, ProjectLight

from .bulk_rows import insert_rows
from .dashboards.projects import WAN_KW, InvestmentRates, investment_share, panel_from, read_projects
from .models import ProjectRollup

SUM_FIELDS = (
    "projects", "preparing", "building", "operating", "yellow", "red",
    "investment_planned", "investment_done", "investment_expected", "capacity_planned", "capacity_operating",
)  # fmt: skip
REASON_OF_LIGHT = {ProjectLight.RED: "finish_passed", ProjectLight.YELLOW: "start_passed"}


def _behind(row) -> dict:
    project = row.project
    date = project.planned_finish if row.light == ProjectLight.RED else project.planned_start
    return {
        "number": row.number,
        "name": project.name,
        "agency": row.agency,
        "stage": row.stage,
        "light": row.light,
        "reason": REASON_OF_LIGHT[row.light],
        "date": date.isoformat() if date else "",
        "problems": row.problems,
    }


def plan_rows(plan, periods, *, today: dt.date | None = None) -> list[dict]:
    """The plan's ProjectRollup rows (as field dicts) of every quarter of `periods`,
    from one read of its projects (three queries; one when it has none)."""
    data = read_projects(plan)
    if not data.projects:
        return []
    today = today or timezone.localdate()
    rows = []
    for period in periods:
        panel = panel_from(data, period, today=today)
        stages = {stage: n for stage, _label, n in panel.stages}
        power = next((c for c in panel.capacity if c["unit"] == WAN_KW), None)
        behind = panel.behind
        rows.append(
            {
                "scope": ProjectRollup.Scope.PLAN,
                "plan_id": plan.pk,
                "period_id": period.pk,
                "period_label": period.label,
                "projects": panel.count,
                **{stage: stages.get(stage, 0) for stage in ProjectStage.values},
                "yellow": sum(1 for r in behind if r.light == ProjectLight.YELLOW),
                "red": sum(1 for r in behind if r.light == ProjectLight.RED),
                "investment_planned": panel.investment_planned,
                "investment_done": panel.investment_done,
                "investment_expected": panel.investment_expected,
                "capacity_planned": power["planned"] if power else Decimal(0),
                "capacity_operating": power["operating"] if power else Decimal(0),
                "capacity_other": [
                    {"unit": c["unit"], "planned": _text(c["planned"]), "operating": _text(c["operating"])}
                    for c in panel.capacity
                    if c["unit"] != WAN_KW
                ],
                "behind": [_behind(r) for r in behind],
            }
        )
    return rows


def _text(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.0001")).normalize(), "f")


def replace_plan_rows(plan, periods, rows) -> None:
    """Inside the rollup's write transaction: the plan's rows of these quarters."""
    ProjectRollup.objects.filter(plan=plan, period__in=periods).delete()
    insert_rows(ProjectRollup, rows)


def store_regions(pairs, parent: dict) -> None:
    """Inside the region pass's write transaction: each (region id, label) of `pairs`
    summed from the stored plan rows of its plans and of the regions below (one read)."""
    labels = {label for _r, label in pairs}
    sums = {}
    for row in ProjectRollup.objects.filter(scope=ProjectRollup.Scope.PLAN, period_label__in=labels).values(
        "plan__region_id", "period_label", "capacity_other", *SUM_FIELDS
    ):
        region_id = row["plan__region_id"]
        while region_id is not None:
            pair = (region_id, row["period_label"])
            if pair in pairs:
                acc = sums.setdefault(pair, {"fields": dict.fromkeys(SUM_FIELDS, 0), "other": {}})
                for name in SUM_FIELDS:
                    acc["fields"][name] += row[name]
                for c in row["capacity_other"]:
                    unit = acc["other"].setdefault(c["unit"], [Decimal(0), Decimal(0)])
                    unit[0] += Decimal(c["planned"])
                    unit[1] += Decimal(c["operating"])
            region_id = parent.get(region_id)
    by_label = defaultdict(list)
    for region_id, label in pairs:
        by_label[label].append(region_id)
    for label, region_ids in by_label.items():
        ProjectRollup.objects.filter(
            scope=ProjectRollup.Scope.REGION, region__in=region_ids, period_label=label
        ).delete()
    ProjectRollup.objects.bulk_create(
        [
            ProjectRollup(
                scope=ProjectRollup.Scope.REGION,
                region_id=region_id,
                period_label=label,
                capacity_other=[
                    {"unit": unit, "planned": _text(p), "operating": _text(o)}
                    for unit, (p, o) in sorted(acc["other"].items())
                ],
                **acc["fields"],
            )
            for (region_id, label), acc in sorted(sums.items())
        ]
    )


# --- reading the stored figures -------------------------------------------------------


@dataclass
class StoredBehind:
    """A project behind schedule as the panel lists it, from the stored row."""

    number: str
    name: str
    agency: str
    stage: str
    light: str
    reason_code: str
    date: str
    problems: str

    @property
    def stage_label(self) -> str:
        return str(ProjectStage(self.stage).label)

    @property
    def light_label(self) -> str:
        return _("红灯") if self.light == ProjectLight.RED else _("黄灯")

    @property
    def reason(self) -> str:
        return str(REASONS[self.reason_code]) % {"date": self.date}


class StoredPanel(InvestmentRates):
    """The projects panel (templates/reports/_projects_panel.html) of a stored row."""

    def __init__(self, row: ProjectRollup):
        self.row = row
        self.count = row.projects
        self.stages = [(s, str(ProjectStage(s).label), getattr(row, s)) for s in ProjectStage.values]
        self.investment_planned = row.investment_planned
        self.investment_done = row.investment_done
        self.investment_expected = row.investment_expected
        self.capacity = capacity_of(row)
        self.behind = [
            StoredBehind(
                **{**{k: v for k, v in item.items() if k != "reason"}, "reason_code": item["reason"]}
            )
            for item in row.behind
        ]


def capacity_of(row: ProjectRollup) -> list[dict]:
    """[{"unit", "planned", "operating"}], power (万千瓦) first, as the panel lists it."""
    out = []
    if row.capacity_planned or row.capacity_operating:
        out.append({"unit": WAN_KW, "planned": row.capacity_planned, "operating": row.capacity_operating})
    out += [
        {"unit": c["unit"], "planned": Decimal(c["planned"]), "operating": Decimal(c["operating"])}
        for c in row.capacity_other
    ]
    return out


def stored_panel(plan, period) -> StoredPanel | None:
    """The plan's stored panel of the quarter (one query); None without projects."""
    if period is None:
        return None
    row = ProjectRollup.objects.filter(scope=ProjectRollup.Scope.PLAN, plan=plan, period=period).first()
    return StoredPanel(row) if row else None


# --- the region page ------------------------------------------------------------------


@dataclass
class RegionProjectRow:
    region: str
    plan: str  # empty for a region's own total
    figures: ProjectRollup

    @property
    def capacity(self) -> list[dict]:
        return capacity_of(self.figures)

    @property
    def investment_rate(self) -> float | None:
        return investment_share(self.figures.investment_done, self.figures.investment_planned)


@dataclass
class RegionProjects:
    rows: list  # [RegionProjectRow]: the child regions (a province) or the plans, own first
    total: RegionProjectRow | None


def region_projects(board) -> RegionProjects:
    """The key-project table of a region page (reports.dashboards.region): each child
    region (a province) or plan of the region and below with projects, and the region's
    sum, from the stored rows of the quarter: one query."""
    plans = [plan for plan, _r in board.own_plans]
    plans += [] if board.by_region else [plan for plan, _r in board.plans]
    children = {child.pk: child.name for child in board.children}
    found = ProjectRollup.objects.filter(period_label=board.period_label).filter(
        Q(scope=ProjectRollup.Scope.PLAN, plan__in=[p.pk for p in plans])
        | Q(scope=ProjectRollup.Scope.REGION, region__in=[board.region.pk, *children])
    )
    by_plan, by_region = {}, {}
    for row in found:
        if row.scope == ProjectRollup.Scope.PLAN:
            by_plan[row.plan_id] = row
        else:
            by_region[row.region_id] = row
    rows = [RegionProjectRow(p.region.name, p.title, by_plan[p.pk]) for p in plans if p.pk in by_plan]
    if board.by_region:
        rows += [
            RegionProjectRow(name, "", by_region[pk]) for pk, name in children.items() if pk in by_region
        ]
    total = by_region.get(board.region.pk)
    return RegionProjects(rows=rows, total=RegionProjectRow(board.region.name, "", total) if total else None)


def region_project_table(projects: RegionProjects) -> tuple[str, list[str], list[list]]:
    """(title, headers, rows) of the region's key-project table, for the Excel export."""
    headers = [
        _("地区"), _("方案"), _("重点项目"), _("前期工作"), _("开工建设"), _("建成投产"), _("红灯"), _("黄灯"),
        _("计划投资（万元）"), _("累计完成投资（万元）"), _("计划装机（万千瓦）"), _("已投产装机（万千瓦）"),
        _("其他规模"),
    ]  # fmt: skip
    body = []
    for row in [*projects.rows, *([projects.total] if projects.total else [])]:
        f = row.figures
        other = "；".join(f"{c['operating']}/{c['planned']} {c['unit']}" for c in f.capacity_other)
        body.append(
            [
                row.region,
                row.plan or (_("合计") if row is projects.total else ""),
                f.projects,
                f.preparing,
                f.building,
                f.operating,
                f.red,
                f.yellow,
                float(f.investment_planned),
                float(f.investment_done),
                float(f.capacity_planned),
                float(f.capacity_operating),
                other,
            ]  # fmt: skip
        )
    return _("重点项目汇总"), headers, body
