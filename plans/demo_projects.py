"""The demo's key projects: the 岳阳县 plan's projects (read from its text at import) given
the size, investment and dates its office would enter, and a quarter of progress in each
of their owners' reports — one project built and in operation, some under construction,
one not started by its planned start (yellow) and one past its planned finish (red)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tasks.models import ProgressReport, Project, ProjectUpdate
from tasks.projects import project_update_ledger

# By the start of the project's name: (capacity, unit, investment 万元, start, finish,
# stage by quarter index from the plan's first quarter, problems when behind).
SPECS = [
    ("岳阳县筻口镇", (5, "万千瓦", 22000, "2025-01-01", "2026-06-30",
                  {0: "preparing", 1: "building", 5: "operating"}, "")),
    ("岳阳高新技术产业园区", (100, "兆瓦", 35000, "2025-04-01", "2026-12-31",
                      {0: "preparing", 2: "building"}, "")),
    ("怡昌能源", (None, "", 18000, "2025-03-31", "2026-06-30",
              {0: "preparing", 4: "building"}, "锅炉设备招标两次流标，管网路由涉及征地协调")),
    ("岳阳县农村人居环境", (None, "", 9000, "2025-01-01", "2027-12-31", {0: "building"}, "")),
    ("岳阳县大云山", (None, "", 60000, "2026-07-01", "2028-12-31",
                  {0: "preparing"}, "旅游开发规划尚在修编，用地指标未落实")),
    ("岳阳县城乡垃圾", (150, "吨/日", 12000, "2024-06-01", "2025-12-31",
                   {0: "building", 3: "operating"}, "")),
]  # fmt: skip


def _spec(name):
    return next((spec for prefix, spec in SPECS if name.startswith(prefix)), None)


def demo_projects(plan, periods, *, today, office) -> int:
    """Fill in the plan's projects and their quarters; returns how many quarters."""
    projects = list(Project.objects.filter(task__action__plan=plan).select_related("task"))
    updates = []
    for project in projects:
        spec = _spec(project.name)
        if spec is None:
            continue
        capacity, unit, investment, start, finish, stages, problems = spec
        fields = {
            "investment_planned": Decimal(investment),
            "planned_start": dt.date.fromisoformat(start),
            "planned_finish": dt.date.fromisoformat(finish),
        }
        if capacity is not None and project.capacity is None:
            fields.update(capacity=Decimal(capacity), unit=unit)
        project_update_ledger(project=project, data=fields, by=office)
        owner = project.owner
        reports = {
            r.period_id: r
            for r in ProgressReport.objects.filter(task=project.task, agency=owner, period__in=periods)
        }
        stage, cumulative, approved_stage = "preparing", Decimal(0), project.stage
        for index, period in enumerate(periods):
            stage = stages.get(index, stage)
            report = reports.get(period.pk)
            if report is None:
                continue  # a quarter the owner did not report: no project update either
            # Under construction a sixth of the investment a quarter; the rest when it opens.
            if stage == "building":
                quarter = min((Decimal(investment) / 6).quantize(Decimal("1")), investment - cumulative)
            elif stage == "operating":
                quarter = Decimal(investment) - cumulative
            else:
                quarter = Decimal(0)
            cumulative += quarter
            updates.append(
                ProjectUpdate(
                    project=project,
                    period=period,
                    report=report,
                    stage=stage,
                    investment_quarter=quarter,
                    investment_cumulative=cumulative,
                    capacity_operating=project.capacity if stage == "operating" else None,
                    problems=problems if stage != "operating" and period.deadline <= today else "",
                    evidence="施工许可证、进度照片" if stage == "building" else "",
                )  # fmt: skip
            )
            if report.state == ProgressReport.State.APPROVED:
                approved_stage = stage
        project.stage = approved_stage
        project.save(update_fields=["stage", "updated_at"])
    ProjectUpdate.objects.bulk_create(updates)
    return len(updates)
