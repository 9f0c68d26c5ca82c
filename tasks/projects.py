"""Writes and rules of key projects (重点项目): the ledger brought in line with a plan's
imported projects, each quarter's update written inside the owner agency's progress
report, and the lights of a project.

A project's quarter has one write path: `report_save_draft(project_updates=…)`, which
calls `project_updates_save` in the report's own transaction, so the update is saved,
versioned, submitted, returned and approved with the report. The owner writes it; when
the office changes the owner mid-quarter, the new owner writes the quarter in its own
report, the old owner's entry of that quarter stays in the old owner's report (never
lost, shown to the office with that report) and its approved quarters stay with it. The stage the ledger shows
is the stage of the project's latest approved update (the stage as imported before).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.audit import audit_log
from agencies.models import Agency, AuditEntry
from agencies.services import agency_find

from .models import AssignmentRole, Project, ProjectStage, ProjectUpdate, Task, TaskAssignment

UPDATE_FIELDS = (
    "stage",
    "investment_quarter",
    "investment_cumulative",
    "capacity_operating",
    "problems",
    "evidence",
)
_AMOUNTS = ("investment_quarter", "investment_cumulative", "capacity_operating")
_TEXT_MAX = 2000


def _name_key(name: str) -> str:
    return "".join(ch for ch in (name or "") if not ch.isspace()).strip("“”\"'")


def _amount(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("应为不小于0的数字。")})
    if not number.is_finite() or number < 0 or number >= Decimal("1e12"):
        raise ValidationError({field: _("应为不小于0的数字。")})
    return number.quantize(Decimal("0.0001"))


def _project_fields(data: dict, seq: int) -> dict:
    start, finish = data.get("start_year"), data.get("year")
    planned_start = dt.date(int(start), 1, 1) if start else None
    planned_finish = dt.date(int(finish), 12, 31) if finish else None
    if planned_start and planned_finish and planned_start > planned_finish:
        planned_start = None  # a start year after the finish year is a misreading: keep the finish
    return {
        "seq": seq,
        "location": (data.get("location") or "")[:100],
        "capacity": _amount(data.get("capacity"), "capacity"),
        "unit": (data.get("unit") or "")[:32],
        "capacity_text": (data.get("capacity_text") or "")[:100],
        "investment_planned": _amount(data.get("investment"), "investment"),
        "planned_start": planned_start,
        "planned_finish": planned_finish,
        "source_text": data.get("text") or "",
        "added_by_hand": bool(data.get("added_by_hand")),
    }


# The ledger fields the office may set by hand (`project_update_ledger`); the size as
# written goes with the size.
_LEDGER_FIELDS = {
    "location",
    "capacity",
    "unit",
    "capacity_text",
    "investment_planned",
    "planned_start",
    "planned_finish",
}


def _edited_by_the_office(projects) -> dict[int, set[str]]:
    """{project id: the ledger fields the office has set by hand}, read from the audit
    entries `project_update_ledger` writes (one query)."""
    ids = [str(p.pk) for p in projects]
    if not ids:
        return {}
    edited: dict[int, set[str]] = {}
    entries = AuditEntry.objects.filter(
        action="project.update", target_type=Project._meta.label_lower, target_id__in=ids
    ).values_list("target_id", "changes")
    for target_id, changes in entries:
        names = set(changes or {}) & _LEDGER_FIELDS
        if names & {"capacity", "unit"}:
            names.add("capacity_text")
        edited.setdefault(int(target_id), set()).update(names)
    return edited


@transaction.atomic
def projects_sync(*, plan, by=None) -> dict:
    """Bring the plan's project ledger in line with its tasks' imported projects (the
    `projects` each task carries from the import, as corrected on the review page).

    Projects are matched by name across the plan, so a revision that moves a project to
    another task, or changes its size or year, keeps its row, owner, stage and quarterly
    updates. A revision never undoes the office: a ledger field the office set by hand
    (owner, size, investment, dates, location) keeps the office's value, and a field the
    document leaves empty keeps the ledger's. A project the document no longer names is archived when it has updates
    (its history stays) and deleted when it has none. Returns the counts."""
    existing = {_name_key(p.name): p for p in Project.objects.filter(task__action__plan=plan)}
    edited = _edited_by_the_office(existing.values())
    seen, created, updated = set(), 0, 0
    agencies = None  # the region's, read once when a project table named a 责任单位
    tasks = Task.objects.filter(action__plan=plan).active().order_by("action__seq", "seq")
    for task in tasks:
        for seq, data in enumerate(
            (p for p in task.projects if isinstance(p, dict) and p.get("name")), start=1
        ):
            key = _name_key(data["name"])
            if not key or key in seen:
                continue
            seen.add(key)
            fields = _project_fields(data, seq)
            project = existing.get(key)
            if project is None:
                project = Project(task=task, name=data["name"][:200], **fields)
                if data.get("agency"):
                    # A project table's 责任单位 sets the owner of a new project; the
                    # office's choice on a project already in the ledger stays.
                    if agencies is None:
                        agencies = list(Agency.objects.filter(region_id=plan.region_id))
                    project.agency = agency_find(
                        region=plan.region, name=str(data["agency"]), agencies=agencies
                    )
                project.full_clean(validate_constraints=False)
                project.save()
                created += 1
                continue
            before = {name: getattr(project, name) for name in ("task_id", *fields)}
            project.task, project.name, project.archived_at = task, data["name"][:200], None
            kept = edited.get(project.pk, set())
            for name, value in fields.items():
                # The office's own entry in the ledger outlives every revision, and what
                # the document leaves unsaid never blanks what the ledger knows.
                if name in kept or (value in (None, "") and name in _LEDGER_FIELDS):
                    continue
                setattr(project, name, value)
            if before != {name: getattr(project, name) for name in ("task_id", *fields)}:
                updated += 1
            project.save()
    gone = [p for key, p in existing.items() if key not in seen]
    with_history = set(ProjectUpdate.objects.filter(project__in=gone).values_list("project_id", flat=True))
    archived = [p for p in gone if p.pk in with_history and p.archived_at is None]
    now = timezone.now()
    for project in archived:
        project.archived_at = now
    Project.objects.bulk_update(archived, ["archived_at"])
    deleted = Project.objects.filter(pk__in=[p.pk for p in gone if p.pk not in with_history]).delete()[0]
    counts = {"created": created, "updated": updated, "archived": len(archived), "deleted": deleted}
    if any(counts.values()):
        audit_log(actor=by, action="project.sync", target=plan, changes=counts, plan=plan)
    return counts


def projects_owned(*, task, agency_id) -> list[Project]:
    """The task's projects whose quarter this agency writes: those it is set as owner of,
    and those with no owner when it is the task's (first) lead."""
    return projects_owned_in_tasks(tasks=[task], agency_id=agency_id)


def projects_owned_in_tasks(*, tasks, agency_id) -> list[Project]:
    """projects_owned over many tasks, in two queries whatever their number."""
    task_ids = [t.pk for t in tasks]
    projects = list(
        Project.objects.active()
        .filter(task_id__in=task_ids)
        .select_related("task__action")
        .order_by("task__action__seq", "task__seq", "seq", "id")
    )
    if not projects:
        return []
    first_lead = {}
    for task_id, lead_id in (
        TaskAssignment.objects.filter(task_id__in=task_ids, role=AssignmentRole.LEAD)
        .order_by("task_id", "seq", "id")
        .values_list("task_id", "agency_id")
    ):
        first_lead.setdefault(task_id, lead_id)
    return [p for p in projects if (p.agency_id or first_lead.get(p.task_id)) == agency_id]


def projects_owned_in_report(report) -> list[Project]:
    return projects_owned(task=report.task, agency_id=report.agency_id)


def updates_for_form(*, projects, period, agency_id=None) -> dict:
    """{project id: (this quarter's update in the agency's report or None, the previous
    quarter's or None)}. After a change of owner a quarter may hold the old owner's entry
    too: the form shows the writer's own."""
    rows = ProjectUpdate.objects.filter(
        project__in=projects, period__starts_on__lte=period.starts_on
    ).order_by("period__starts_on", "id")
    out = {p.pk: [None, None] for p in projects}
    for update in rows.select_related("period", "report"):
        if update.period_id != period.pk:
            out[update.project_id][1] = update
        elif agency_id is None or update.report.agency_id == agency_id:
            out[update.project_id][0] = update
    return {k: tuple(v) for k, v in out.items()}


def update_snapshot(update: ProjectUpdate) -> dict:
    return {
        name: (format(value.normalize(), "f") if isinstance(value, Decimal) else value)
        for name in UPDATE_FIELDS
        for value in [getattr(update, name)]
    }


def project_updates_save(*, report, updates: list[dict], by) -> dict:
    """Write the quarter of the report's projects (called inside `report_save_draft`, on
    a report locked for update). Each item names its `project` (id) and any of
    UPDATE_FIELDS; a field left out keeps its value. The cumulative investment, when not
    given, is the previous quarter's plus this one's. Returns {project id: [before, after]}
    for the fields that changed."""
    owned = {p.pk: p for p in projects_owned_in_report(report)}
    changes = {}
    for item in updates:
        if not isinstance(item, dict):
            raise ValidationError({"projects": _("每个项目进展应为一个对象。")})
        try:
            project_id = int(item.get("project"))
        except (TypeError, ValueError):
            raise ValidationError({"projects": _("请指明项目 project。")})
        project = owned.get(project_id)
        if project is None:
            raise ValidationError(
                {"projects": _("项目 %(id)s 不由本单位在此任务下填报。") % {"id": project_id}}
            )
        unknown = set(item) - {"project", *UPDATE_FIELDS}
        if unknown:
            raise ValidationError(_("未知字段：%(fields)s") % {"fields": "、".join(sorted(unknown))})
        # The quarter in this report: after a change of owner mid-quarter, the old owner's
        # entry stays in its own report (the office still sees it) and this one is the new
        # owner's; the figures take the later approved entry.
        update = ProjectUpdate.objects.filter(project=project, report=report).first()
        before = update_snapshot(update) if update else {}
        if update is None:
            update = ProjectUpdate(
                project=project, period_id=report.period_id, report=report, stage=project.stage
            )
        for name in UPDATE_FIELDS:
            if name not in item:
                continue
            value = item[name]
            if name in _AMOUNTS:
                value = _amount(value, "projects")
            elif name == "stage":
                if value not in ProjectStage.values:
                    raise ValidationError({"projects": _("项目阶段应为：前期工作、开工建设或建成投产。")})
            else:
                value = (value or "").replace("\r\n", "\n")[:_TEXT_MAX]
            setattr(update, name, value)
        if "investment_cumulative" not in item and update.investment_quarter is not None:
            previous = (
                ProjectUpdate.objects.filter(project=project, period__starts_on__lt=report.period.starts_on)
                .order_by("-period__starts_on")
                .values_list("investment_cumulative", flat=True)
                .first()
            )
            update.investment_cumulative = (previous or Decimal(0)) + update.investment_quarter
        try:
            update.full_clean(exclude=["project", "period", "report"], validate_constraints=False)
        except ValidationError as exc:
            raise ValidationError({"projects": [f"{project.name}：{m}" for m in exc.messages]})
        after = update_snapshot(update)
        if after != before:
            update.save()
            changes[str(project.pk)] = [before or None, after]
    return changes


def project_updates_of(report) -> dict:
    """{project id: snapshot} of the report's project updates, for its version history."""
    return {str(u.project_id): update_snapshot(u) for u in report.project_updates.all()}


def project_updates_approve(*, report) -> None:
    """An approved report's updates set their projects' stages (called by report_approve)."""
    for update in report.project_updates.select_related("project"):
        if update.project.stage != update.stage:
            update.project.stage = update.stage
            update.project.save(update_fields=["stage", "updated_at"])


@transaction.atomic
def project_update_ledger(*, project: Project, data: dict, by) -> Project:
    """The office sets a project's owner agency, planned dates, size or investment."""
    allowed = {
        "agency",
        "planned_start",
        "planned_finish",
        "capacity",
        "unit",
        "investment_planned",
        "location",
    }
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(_("未知字段：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    agency = data.get("agency")
    if agency is not None and agency.region_id != project.task.action.plan.region_id:
        raise ValidationError({"agency": _("责任单位应为本方案所在地区的单位。")})
    before = {name: str(getattr(project, name)) for name in data}
    for name, value in data.items():
        setattr(project, name, value)
    project.full_clean()
    project.save()
    after = {name: str(getattr(project, name)) for name in data}
    changed = {k: [before[k], after[k]] for k in data if before[k] != after[k]}
    if changed:
        audit_log(
            actor=by, action="project.update", target=project, changes=changed, plan=project.task.action.plan
        )
    return project


# --- lights --------------------------------------------------------------------------


class ProjectLight:
    GREEN, YELLOW, RED = "green", "yellow", "red"


@dataclass(frozen=True)
class ProjectSignal:
    light: str
    reason: str  # empty for green


REASONS = {
    "finish_passed": gettext_lazy("计划 %(date)s 建成，至今未建成投产"),
    "start_passed": gettext_lazy("计划 %(date)s 开工，至今未开工"),
}


def project_light(project: Project, today: dt.date) -> ProjectSignal:
    """Stated rules: planned finish passed and not in operation → red; planned start
    passed and still in 前期工作 → yellow; otherwise green."""
    if project.stage != ProjectStage.OPERATING and project.planned_finish and project.planned_finish < today:
        return ProjectSignal(
            ProjectLight.RED, str(REASONS["finish_passed"]) % {"date": project.planned_finish}
        )
    if project.stage == ProjectStage.PREPARING and project.planned_start and project.planned_start < today:
        return ProjectSignal(
            ProjectLight.YELLOW, str(REASONS["start_passed"]) % {"date": project.planned_start}
        )
    return ProjectSignal(ProjectLight.GREEN, "")


def investment_schedule_share(project: Project, today: dt.date) -> Decimal | None:
    """序时进度 of a project's investment: the share of its planned time elapsed (0–1)."""
    if not project.planned_start or not project.planned_finish:
        return None
    total = (project.planned_finish - project.planned_start).days
    if total <= 0:
        return Decimal(1) if today >= project.planned_finish else Decimal(0)
    elapsed = min(max((today - project.planned_start).days, 0), total)
    return (Decimal(elapsed) / Decimal(total)).quantize(Decimal("0.0001"))
