"""Writes for plans: regions, plans and their structure from a parsed document.

A parsed document comes as plans.parsing.schema records (ParsedPlan) or as their SCHEMA.md
JSON, read into records once on the way in."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_log
from agencies.services import agency_resolve

from .matching import indicator_key, match_by_key, match_revision, title_key
from .models import ARCHIVED_SEQ, Action, Plan, Region
from .parsing.schema import ParsedAction, ParsedIndicator, ParsedPlan, ParsedProject, ParsedTask

COMPARATORS = {">=", "<=", "~", "="}


@transaction.atomic
def region_get_or_create(*, name: str, level: str, parent: Region | None = None) -> Region:
    region = Region.objects.filter(name=name, parent=parent).first()
    if region is None:
        region = Region(name=name, level=level, parent=parent)
        region.full_clean()
        region.save()
    return region


def _decimal(value, field):
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"不是有效的数字：{value!r}"})


def _date(value):
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError({"issued": f"日期格式应为 YYYY-MM-DD：{value!r}"})


def _span(item) -> tuple:
    span = item.span or [None, None]
    return span[0], span[1]


def _customary_baseline(year, plan_year):
    if plan_year:
        return plan_year - 1
    if not year:
        return None
    if year <= 2025:
        return 2020 if year > 2020 else year - 1
    if year <= 2030:
        return 2025
    return year - 1


def indicator_fields(data: ParsedIndicator | dict, plan_year: int | None = None) -> dict:
    """Model fields of an Indicator from a parsed target (or its SCHEMA.md JSON)."""
    from indicators.models import Indicator
    from indicators.trajectory import is_descriptive_text

    if isinstance(data, dict):
        data = ParsedIndicator.from_dict(data)
    comparator = data.comparator or ">="
    if comparator not in COMPARATORS:
        raise ValidationError({"comparator": f"无效的比较方式：{comparator}"})
    change = data.change or Indicator.Change.LEVEL
    baseline_year = data.baseline_year
    review = data.in_doubt
    if change != Indicator.Change.LEVEL and not baseline_year:
        # “下降5%” with no base year: the customary base is the previous plan period's
        # last year (2020 for 十四五, 2025 for 十五五), or the year before for an annual
        # target. Taken as such and left for a human to confirm.
        baseline_year = _customary_baseline(data.year, plan_year)
        review = True
        if baseline_year is None:
            change = Indicator.Change.LEVEL
    start, end = _span(data)
    return {
        "name": (data.name or "")[:200] or "未命名指标",
        "unit": (data.unit or "")[:32],
        "comparator": comparator,
        "target": _decimal(data.target, "target"),
        "target_max": _decimal(data.target_max, "target_max"),
        "target_year": data.year,
        "baseline_year": baseline_year,
        "baseline_value": _decimal(data.baseline_value, "baseline_value"),
        "change": change,
        "source_text": data.text or "",
        # The office's choice on the review page, else what the target's words say.
        "descriptive": bool(data.descriptive)
        if data.descriptive is not None
        else is_descriptive_text(data.text or ""),
        "span_start": start,
        "span_end": end,
        "needs_review": review,
    }


def _plan_years(info, indicator_years: list[int]) -> tuple[int | None, int | None]:
    if info.plan_year:
        return info.plan_year, info.plan_year
    issued = _date(info.issued)
    start = issued.year if issued else None
    end = max(indicator_years) if indicator_years else None
    if end is None or (start and end < start):
        # A carbon-peaking plan runs to the peak year unless its targets say otherwise.
        end = 2030
    return start, end


def _plan_fields(parsed: ParsedPlan, source_name: str) -> dict:
    info = parsed.plan
    start_year, end_year = _plan_years(info, [ind.year for ind in parsed.indicators() if ind.year])
    return {
        "title": (info.title or source_name or "未命名方案")[:200],
        "doc_number": (info.doc_number or "")[:64],
        "issued_on": _date(info.issued),
        "is_draft": bool(info.draft),
        "plan_year": info.plan_year,
        "start_year": start_year,
        "end_year": end_year,
    }


def _action_fields(action: ParsedAction, a_index: int) -> dict:
    start, end = _span(action)
    return {
        "seq": action.seq or a_index,
        "label": (action.label or "")[:16],
        "title": (action.title or "")[:255],
        "source_text": action.text or "",
        "span_start": start,
        "span_end": end,
    }


def _task_fields(placed) -> dict:
    """Model fields of a Task from a placed task (ParsedPlan.iter_tasks)."""
    task = placed.task
    start, end = _span(task)
    return {
        "seq": task.seq or placed.task_index,
        "label": (task.label or "")[:16],
        "title": placed.title[:255],
        "source_text": task.text or "",
        "span_start": start,
        "span_end": end,
        "projects": [p.to_dict() if isinstance(p, ParsedProject) else p for p in task.projects],
        "lead_inferred": bool(task.lead_inferred),
        "deadline_text": (task.deadline_text or "")[:64],
        "note": (task.note or "")[:255],
    }


def _assignments(task, parsed_task: ParsedTask, *, region, by, known_agencies) -> list:
    from tasks.models import TaskAssignment

    result, seen = [], set()
    for role, names in (
        (TaskAssignment.Role.LEAD, parsed_task.lead),
        (TaskAssignment.Role.SUPPORT, parsed_task.support),
    ):
        for order, name in enumerate(names):
            agency, _ = agency_resolve(region=region, name=name, by=by, agencies=known_agencies)
            if agency.pk in seen:
                continue
            seen.add(agency.pk)
            result.append(
                TaskAssignment(
                    task=task,
                    agency=agency,
                    role=role,
                    seq=order,
                    inferred=role == TaskAssignment.Role.LEAD and bool(parsed_task.lead_inferred),
                )
            )
    return result


def _duplicate_links(parsed: ParsedPlan, tasks_by_pos: dict) -> list:
    """(task, original) pairs for tasks the parser saw repeated verbatim; the parser
    names the original by its 1-based (action seq, task seq)."""
    from tasks.models import Task

    links = []
    for placed in parsed.iter_tasks():
        ref = placed.task.duplicate_of
        if ref is None:
            continue
        original = tasks_by_pos.get(ref)
        task = tasks_by_pos.get(placed.ref)
        if original is not None and task is not None and original.pk != task.pk:
            task.duplicate_of = original
            links.append(task)
    if links:
        Task.objects.bulk_update(links, ["duplicate_of"])
    return links


@transaction.atomic
def plan_create_from_parsed(
    *,
    parsed: ParsedPlan | dict,
    region: Region,
    by=None,
    source_text: str = "",
    source_name: str = "",
    supersedes=None,
) -> Plan:
    """Create a plan with its actions, tasks, agencies and indicators from a parsed
    document (records, or the plan-gold/SCHEMA.md JSON). Agencies unknown in the region
    are created and names that match an existing agency canonically become its aliases."""
    from indicators.models import Indicator
    from tasks.models import Task, TaskAssignment

    parsed = ParsedPlan.of(parsed)
    if not parsed.actions:
        raise ValidationError("方案没有任何重点行动，无法导入。")
    plan = Plan(
        region=region,
        source_name=(source_name or parsed.source or "")[:255],
        source_text=source_text,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        supersedes=supersedes,
        **_plan_fields(parsed, source_name),
    )
    plan.full_clean()
    plan.save()

    known_agencies = list(region.agencies.all())
    indicators = []
    for seq, data in enumerate(parsed.goals, start=1):
        fields = indicator_fields(data, plan.plan_year)
        fields["category"] = data.category or Indicator.Category.CONTROL
        indicators.append(Indicator(plan=plan, task=None, seq=seq, **fields))

    actions = {
        a_index: Action.objects.create(plan=plan, **_action_fields(parsed_action, a_index))
        for a_index, parsed_action in enumerate(parsed.actions, start=1)
    }
    assignments = []
    tasks_by_pos = {}
    for placed in parsed.iter_tasks():
        task = Task.objects.create(action=actions[placed.action_index], **_task_fields(placed))
        tasks_by_pos[placed.ref] = task
        assignments += _assignments(task, placed.task, region=region, by=by, known_agencies=known_agencies)
        for i_seq, data in enumerate(placed.task.indicators, start=1):
            indicators.append(
                Indicator(plan=plan, task=task, seq=i_seq, **indicator_fields(data, plan.plan_year))
            )

    TaskAssignment.objects.bulk_create(assignments)
    for indicator in indicators:
        indicator.full_clean(exclude=["plan", "task"])
    Indicator.objects.bulk_create(indicators)
    _duplicate_links(parsed, tasks_by_pos)
    from tasks.projects import projects_sync

    projects_sync(plan=plan, by=by)
    audit_log(
        actor=by,
        action="plan.create",
        target=plan,
        plan=plan,
        changes={"actions": [None, len(parsed.actions)], "indicators": [None, len(indicators)]},
    )
    return plan


# --- revising a plan from a new version of its document --------------------------------


def _indicators_revise(*, plan, task, old, new_data, category=None) -> tuple[list, list, list]:
    """Update matched indicators in place (their reported values stay), create new ones
    and return (to_create, to_update, to_delete)."""
    from indicators.models import Indicator

    pairs, removed, added = match_by_key(
        old,
        list(enumerate(new_data, start=1)),
        lambda ind: indicator_key(ind.name, ind.unit),
        lambda pair: indicator_key(pair[1].name, pair[1].unit),
    )
    create, update = [], []
    for indicator, (seq, data) in pairs:
        for name, value in indicator_fields(data, plan.plan_year).items():
            setattr(indicator, name, value)
        indicator.seq = seq
        if category:
            indicator.category = data.category or indicator.category
        update.append(indicator)
    for seq, data in added:
        fields = indicator_fields(data, plan.plan_year)
        if category:
            fields["category"] = data.category or category
        create.append(Indicator(plan=plan, task=task, seq=seq, **fields))
    return create, update, removed


INDICATOR_UPDATE_FIELDS = [
    "seq", "name", "unit", "comparator", "target", "target_max", "target_year", "baseline_year",
    "baseline_value", "change", "category", "source_text", "span_start", "span_end", "needs_review",
]  # fmt: skip
TASK_UPDATE_FIELDS = [
    "action", "seq", "label", "title", "source_text", "span_start", "span_end", "projects",
    "lead_inferred", "deadline_text", "note", "duplicate_of", "archived_at", "archived_by",
]  # fmt: skip


@transaction.atomic
def plan_revise_from_parsed(
    *, plan: Plan, parsed: ParsedPlan | dict, by=None, source_text: str | None = None, source_name: str = ""
) -> dict:
    """Bring `plan` in line with a revised version of its document, in place.

    The plan keeps its id, periods, roles and bulletins. Tasks are matched to the new
    version by folded title: a matched task keeps its row and so its progress reports,
    even when its agencies or targets changed (the assignments and indicators are
    brought up to date, matched indicators keep their reported values). Tasks the new
    version no longer has are archived with their assignments, reports, evidence and
    indicator values (the office can restore them); a task the revision brings back
    under the title of an archived one is that task, restored. The ids of both go to the
    audit entry. Returns the counts of what happened."""
    from indicators.models import Indicator
    from tasks.models import ProgressReport, Task, TaskAssignment

    parsed = ParsedPlan.of(parsed)
    if not parsed.actions:
        raise ValidationError("方案没有任何重点行动，无法导入。")
    region = plan.region
    before = {f: getattr(plan, f) for f in ("title", "doc_number", "issued_on", "is_draft", "plan_year")}
    for name, value in _plan_fields(parsed, source_name or plan.source_name).items():
        setattr(plan, name, value)
    if source_text is not None:
        plan.source_text = source_text
    if source_name:
        plan.source_name = source_name[:255]
    plan.full_clean()
    plan.save()

    old_actions = list(Action.objects.filter(plan=plan).order_by("seq"))
    old_tasks = list(Task.objects.filter(action__plan=plan).order_by("action__seq", "seq"))
    old_indicators = list(Indicator.objects.filter(plan=plan).order_by("seq", "id"))
    # Free every seq first: the new order may swap rows and (plan, seq) is unique.
    Action.objects.filter(plan=plan, seq__lt=ARCHIVED_SEQ).update(seq=F("seq") + 100000)
    Task.objects.filter(action__plan=plan).active().update(seq=F("seq") + 100000)

    action_pairs, old_only_actions, _ = match_by_key(
        old_actions, list(enumerate(parsed.actions, start=1)), lambda a: title_key(a.title),
        lambda pair: title_key(pair[1].title),
    )  # fmt: skip
    action_for = {a_index: action for action, (a_index, _data) in action_pairs}
    actions = {}
    for a_index, parsed_action in enumerate(parsed.actions, start=1):
        fields = _action_fields(parsed_action, a_index)
        action = action_for.get(a_index)
        if action is None:
            action = Action.objects.create(plan=plan, **fields)
        else:
            for name, value in fields.items():
                setattr(action, name, value)
            action.save()
        actions[a_index] = action

    task_pairs, removed_tasks, restored, added_tasks = match_revision(old_tasks, list(parsed.iter_tasks()))
    indicators_by_task = {}
    for ind in old_indicators:
        indicators_by_task.setdefault(ind.task_id, []).append(ind)

    known_agencies = list(region.agencies.all())
    kept, tasks_by_pos, assignments = [], {}, []
    creates, updates, deletes = [], [], []
    for task, placed in task_pairs + restored:
        task.action = actions[placed.action_index]
        task.duplicate_of = None
        task.archived_at = task.archived_by = None
        for name, value in _task_fields(placed).items():
            setattr(task, name, value)
        kept.append(task)
        tasks_by_pos[placed.ref] = task
    reports_archived = ProgressReport.objects.filter(task__in=[t.pk for t in removed_tasks]).count()
    now = timezone.now()
    for task in removed_tasks:
        task.seq, task.archived_at = ARCHIVED_SEQ + task.pk, now
        task.archived_by = by if getattr(by, "is_authenticated", False) else None
    Task.objects.bulk_update(removed_tasks, ["seq", "archived_at", "archived_by"])
    Task.objects.bulk_update(kept, TASK_UPDATE_FIELDS)
    for placed in added_tasks:
        task = Task.objects.create(action=actions[placed.action_index], **_task_fields(placed))
        tasks_by_pos[placed.ref] = task
    TaskAssignment.objects.filter(task__in=[t.pk for t in kept]).delete()
    for ref, task in tasks_by_pos.items():
        parsed_task = parsed.task_at(ref).task
        assignments += _assignments(task, parsed_task, region=region, by=by, known_agencies=known_agencies)
        c, u, d = _indicators_revise(
            plan=plan,
            task=task,
            old=indicators_by_task.get(task.pk, []),
            new_data=parsed_task.indicators,
        )
        creates += c
        updates += u
        deletes += d
    c, u, d = _indicators_revise(
        plan=plan, task=None, old=indicators_by_task.get(None, []), new_data=parsed.goals,
        category=Indicator.Category.CONTROL,
    )  # fmt: skip
    creates += c
    updates += u
    deletes += d
    # An action the revision no longer has goes, unless archived tasks still hang on it.
    left = Action.objects.filter(pk__in=[a.pk for a in old_only_actions]).annotate(n=Count("tasks"))
    left.filter(n=0).delete()
    for action in left.filter(n__gt=0):
        action.seq = ARCHIVED_SEQ + action.pk
        action.save(update_fields=["seq"])
    TaskAssignment.objects.bulk_create(assignments)
    Indicator.objects.filter(pk__in=[i.pk for i in deletes]).delete()
    for indicator in creates + updates:
        indicator.full_clean(exclude=["plan", "task"])
    Indicator.objects.bulk_update(updates, INDICATOR_UPDATE_FIELDS)
    Indicator.objects.bulk_create(creates)
    _duplicate_links(parsed, tasks_by_pos)
    counts = {
        "tasks_kept": len(kept),
        "tasks_added": len(added_tasks),
        "tasks_removed": len(removed_tasks),
        "tasks_archived": sorted(t.pk for t in removed_tasks),
        "tasks_restored": sorted(t.pk for t, _data in restored),
        "reports_archived": reports_archived,
        "indicators_added": len(creates),
        "indicators_removed": len(deletes),
        "indicators_kept": len(updates),
    }
    from tasks.projects import projects_sync

    counts["projects"] = projects_sync(plan=plan, by=by)
    after = {f: getattr(plan, f) for f in before}
    from agencies.audit import diff_fields

    audit_log(
        actor=by,
        action="plan.revise",
        target=plan,
        plan=plan,
        changes={**diff_fields(before, after), **counts},
    )
    return counts


@transaction.atomic
def task_restore(*, task, by):
    """Bring an archived task back into its plan, at the end of its action (the action
    too comes back at the end of the plan if the revision had dropped it)."""
    from tasks.models import Task

    task = Task.objects.select_for_update().select_related("action").get(pk=task.pk)
    if task.archived_at is None:
        raise ValidationError("该任务未归档。")
    action = task.action
    if action.seq >= ARCHIVED_SEQ:
        last = Action.objects.filter(plan_id=action.plan_id, seq__lt=ARCHIVED_SEQ).order_by("-seq").first()
        action.seq = (last.seq if last else 0) + 1
        action.save(update_fields=["seq"])
    last = Task.objects.filter(action=action).active().order_by("-seq").first()
    archived_at = task.archived_at
    task.seq, task.archived_at, task.archived_by = (last.seq if last else 0) + 1, None, None
    task.save(update_fields=["seq", "archived_at", "archived_by"])
    audit_log(
        actor=by,
        action="task.restore",
        target=task,
        plan=action.plan,
        changes={"archived_at": [archived_at.isoformat(), None]},
    )
    return task


@transaction.atomic
def plan_set_review_mode(*, plan, review_mode: str, by):
    """Who reviews the plan's quarters: the lead agencies gather their supporters' inputs
    and the office reviews the leads' reports, or the office reviews every report. The
    counts of reports awaiting review change with it: the mode is a figure source, so
    every quarter of the plan is marked stale with the change."""
    from tasks.consolidation import ReviewPolicy

    if review_mode not in Plan.ReviewMode.values:
        raise ValidationError({"review_mode": _("请选择审核方式。")})
    before = ReviewPolicy.of(plan).mode
    if before == review_mode:
        return plan
    plan.review_mode = review_mode
    plan.save(update_fields=["review_mode"])
    audit_log(
        actor=by,
        action="plan.review_mode",
        target=plan,
        changes={"review_mode": [before, review_mode]},
        plan=plan,
    )
    return plan
