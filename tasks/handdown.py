"""上级任务下达: an upper work-group office hands a task of its plan down to the plans of
the regions below it. In each chosen plan the upper task is answered by one lower task:
one the lower plan already has (linked, as the office confirms a suggestion) or one made
for it (created, with the indicator targets the upper office split). The link is
`Task.parent`; only the upper office sets or clears it, so a lower office sees which of
its tasks answer an upper one and cannot undo that. Revisions keep task rows (matched by
title) and archiving keeps the row, so a link outlives both.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from agencies.audit import audit_log
from agencies.models import Agency
from agencies.names import canonical
from indicators.models import Indicator
from plans.matching import indicator_key, title_key
from plans.models import ARCHIVED_SEQ, Action, Plan, Region

from .models import HandDown, Task, TaskAssignment

# Where a task made by a hand-down goes in the lower plan when the office names no action.
HANDED_DOWN_ACTION_TITLE = "上级下达任务"
CANDIDATES_PER_PLAN = 3
# Below this a title is no suggestion (two tasks of one plan family share words anyway).
CANDIDATE_MIN_SCORE = Decimal("0.35")
INDICATOR_FIELDS = (
    "name", "unit", "comparator", "target_max", "target_year", "baseline_value", "baseline_year",
    "change", "descriptive",
)  # fmt: skip


@dataclass
class HandedDown:
    """What a hand-down did in one lower plan."""

    plan: Plan
    task: Task
    created: bool
    changed: bool


def plans_below(task) -> list[Plan]:
    """The plans of the regions below the task's plan's region (not that region's own),
    which its office may hand the task down to."""
    region = task.action.plan.region
    return list(
        Plan.objects.filter(Region.subtree_q([region.pk]))
        .exclude(region=region)
        .select_related("region")
        .order_by("region__name", "title", "pk")
    )


def _lower_lead(upper_task, region) -> Agency | None:
    """The agency of the lower region doing what the upper task's lead does there: 市发改局
    → 县发改局, by the name without its region level."""
    lead = next((a.agency for a in upper_task.assignments.all() if a.role == TaskAssignment.Role.LEAD), None)
    if lead is None:
        return None
    core = _core(lead.name)
    return next(
        (a for a in Agency.objects.filter(region=region).order_by("pk") if _core(a.name) == core), None
    )


def _core(name: str) -> str:
    name = canonical(name)
    return name[1:] if name[:1] in "省市县区州" else name


def _decimal(value, *, plan, indicator) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or abs(number) >= Decimal(10) ** 15:
        raise ValidationError(
            {
                "targets": _("%(plan)s 的“%(indicator)s”分解目标不是有效数字。")
                % {"plan": plan.title, "indicator": indicator.name}
            }
        )
    return number


def _handed_down_action(plan) -> Action:
    action = (
        Action.objects.filter(plan=plan, title=HANDED_DOWN_ACTION_TITLE, seq__lt=ARCHIVED_SEQ)
        .order_by("seq")
        .first()
    )
    if action is None:
        last = Action.objects.filter(plan=plan, seq__lt=ARCHIVED_SEQ).aggregate(m=Max("seq"))["m"] or 0
        action = Action.objects.create(plan=plan, seq=last + 1, title=HANDED_DOWN_ACTION_TITLE)
    return action


def _split_indicators(*, upper, lower, plan, targets: dict, created: bool) -> list:
    """Tie the lower task's indicators to the upper task's: an indicator of the same name
    and unit carries the split; a target the office split for one the lower task lacks
    becomes a new indicator of it. A linked task's own targets stay its document's."""
    own = {indicator_key(i.name, i.unit): i for i in lower.indicators.all()}
    tied = []
    for upper_ind in upper.indicators.all():
        split = targets.get(upper_ind.pk)
        mine = own.get(indicator_key(upper_ind.name, upper_ind.unit))
        if mine is not None:
            if mine.parent_id != upper_ind.pk:
                mine.parent = upper_ind
                fields = ["parent"]
                if created and split is not None:
                    mine.target, fields = split, ["parent", "target"]
                mine.save(update_fields=fields)
                tied.append(mine.pk)
            continue
        if split is None and not (created and upper_ind.descriptive):
            continue
        new = Indicator(
            plan=plan,
            task=lower,
            seq=upper_ind.seq,
            target=upper_ind.target if split is None else split,
            category=Indicator.Category.TASK,
            parent=upper_ind,
            source_text=_("上级下达分解目标"),
            **{name: getattr(upper_ind, name) for name in INDICATOR_FIELDS},
        )
        new.full_clean(exclude=["plan", "task", "parent"])
        new.save()
        tied.append(new.pk)
    return tied


@transaction.atomic
def task_hand_down(
    *,
    task: Task,
    plans,
    by,
    links: dict | None = None,
    targets: dict | None = None,
    leads: dict | None = None,
    title: str = "",
    source_text: str = "",
    deadline=None,
    waiting=(),
) -> list[HandedDown]:
    """Hand `task` down to `plans` (Plan objects or ids). In a plan where `links` names a
    task of it, that task is linked; where a task already answers this one, it stays;
    elsewhere a task is created from the upper one (its `title`, `source_text` and
    `deadline` unless given), led by `leads[plan id]` or the lower agency of the upper
    lead's kind. `targets` is {plan id: {upper indicator id: split target}}. Calling it
    again changes nothing already done. A plan in `waiting` is only handed the task: its
    own office answers it (tasks.handdown_answer), and no row of it is in the result.
    Every plan handed the task keeps a HandDown row. Raises ValidationError naming the
    plan that is not below the task's region or the task that cannot be linked."""
    task = Task.objects.select_for_update().select_related("action__plan__region").get(pk=task.pk)
    if task.archived_at is not None:
        raise ValidationError(_("已归档的任务不能下达。"))
    links, targets, leads = links or {}, targets or {}, leads or {}
    plan_ids = list(dict.fromkeys(int(getattr(p, "pk", p)) for p in plans))
    if not plan_ids:
        raise ValidationError({"plans": _("请至少选择一个下级方案。")})
    below = {p.pk: p for p in plans_below(task)}
    outside = [pk for pk in plan_ids if pk not in below]
    if outside:
        raise ValidationError(
            {
                "plans": _("方案 %(ids)s 不属于%(region)s下级地区，不能下达。")
                % {"ids": "、".join(map(str, outside)), "region": task.action.plan.region.name}
            }
        )
    upper_indicators = {i.pk: i for i in task.indicators.all()}
    splits = {}
    for plan_id in plan_ids:
        wanted = targets.get(plan_id) or targets.get(str(plan_id)) or {}
        splits[plan_id] = {}
        for ind_id, value in wanted.items():
            if value in (None, ""):
                continue
            indicator = upper_indicators.get(int(ind_id)) if str(ind_id).isdigit() else None
            if indicator is None:
                raise ValidationError({"targets": _("指标 %(id)s 不是该任务的指标。") % {"id": ind_id}})
            splits[plan_id][indicator.pk] = _decimal(value, plan=below[plan_id], indicator=indicator)

    waiting = {int(getattr(p, "pk", p)) for p in waiting}
    if waiting - set(plan_ids):
        raise ValidationError(
            {"waiting": _("待下级落实的方案 %(ids)s 不在下达方案之列。") % {
                "ids": "、".join(map(str, sorted(waiting - set(plan_ids))))}}
        )  # fmt: skip
    recorded = set(HandDown.objects.filter(task=task, plan__in=plan_ids).values_list("plan_id", flat=True))
    new_records = [pk for pk in plan_ids if pk not in recorded]
    HandDown.objects.bulk_create([HandDown(task=task, plan_id=pk, by=by) for pk in new_records])
    answering = {
        t.action.plan_id: t
        for t in Task.objects.filter(parent=task, action__plan__in=plan_ids).active().select_related("action")
    }
    done = []
    for plan_id in plan_ids:
        plan = below[plan_id]
        link_id = links.get(plan_id) or links.get(str(plan_id))
        lower, created, changed = answering.get(plan_id), False, False
        if plan_id in waiting and not link_id and lower is None:
            if splits[plan_id]:
                # The lower office answers it: a split typed for it would be lost, so it is refused.
                raise ValidationError(
                    {"targets": _("%(plan)s交由下级落实，不能同时分解指标目标；请改为新建任务或清空分解目标。")
                     % {"plan": plan.title}}
                )  # fmt: skip
            if plan_id in new_records:
                audit_log(
                    actor=by,
                    action="task.hand_down",
                    target=task,
                    plan=plan,
                    changes={"plans": [plan_id], "state": "waiting"},
                )
            continue
        if link_id:
            lower = (
                Task.objects.select_for_update()
                .select_related("action")
                .filter(pk=link_id, action__plan=plan)
                .active()
                .first()
            )
            if lower is None:
                raise ValidationError(
                    {"links": _("任务 %(id)s 不是%(plan)s的现行任务。") % {"id": link_id, "plan": plan.title}}
                )
            if lower.parent_id not in (None, task.pk):
                raise ValidationError(
                    {"links": _("任务“%(title)s”已承接另一项上级任务。") % {"title": lower.title}}
                )
            if lower.parent_id is None:
                lower.parent, lower.link_kind, changed = task, Task.LinkKind.LINKED, True
                lower.save(update_fields=["parent", "link_kind"])
        elif lower is None:
            lower, created, changed = (
                _create_lower(task, plan, title, source_text, deadline, leads),
                True,
                True,
            )
        tied = _split_indicators(upper=task, lower=lower, plan=plan, targets=splits[plan_id], created=created)
        if changed or tied:
            audit_log(
                actor=by,
                action="task.hand_down",
                target=lower,
                plan=plan,
                changes={
                    "parent": [None, task.pk] if changed else [task.pk, task.pk],
                    "link_kind": lower.link_kind,
                    "split_indicators": tied,
                },
            )
        done.append(HandedDown(plan=plan, task=lower, created=created, changed=changed or bool(tied)))
    if any(item.changed for item in done) or (new_records and set(new_records) - waiting):
        audit_log(
            actor=by,
            action="task.hand_down",
            target=task,
            plan=task.action.plan,
            changes={"plans": plan_ids, "tasks": [item.task.pk for item in done]},
        )
    return done


def _create_lower(upper, plan, title, source_text, deadline, leads) -> Task:
    action = _handed_down_action(plan)
    seq = (Task.objects.filter(action=action).active().aggregate(m=Max("seq"))["m"] or 0) + 1
    lower = Task(
        action=action,
        seq=seq,
        label=f"{seq}.",
        title=(title or upper.title)[:255],
        source_text=source_text or upper.source_text,
        deadline=deadline or upper.deadline,
        deadline_text="" if deadline else upper.deadline_text,
        parent=upper,
        link_kind=Task.LinkKind.CREATED,
    )
    lower.full_clean(exclude=["action", "parent", "archived_by", "duplicate_of"])
    lead_id = leads.get(plan.pk) or leads.get(str(plan.pk))
    lead = None
    if lead_id:
        lead = Agency.objects.filter(pk=lead_id, region=plan.region).first()
        if lead is None:
            raise ValidationError(
                {"leads": _("单位 %(id)s 不属于%(region)s。") % {"id": lead_id, "region": plan.region.name}}
            )
    else:
        lead = _lower_lead(upper, plan.region)
    lower.lead_inferred = lead is not None and not lead_id
    lower.save()
    if lead is not None:
        TaskAssignment.objects.create(
            task=lower, agency=lead, role=TaskAssignment.Role.LEAD, inferred=lower.lead_inferred
        )
    return lower


@transaction.atomic
def task_unlink(*, task: Task, by) -> Task:
    """The upper office takes back a hand-down: the lower task stays, answering nothing."""
    task = Task.objects.select_for_update().select_related("action__plan").get(pk=task.pk)
    if task.parent_id is None:
        raise ValidationError(_("该任务未承接上级任务。"))
    parent_id = task.parent_id
    task.parent, task.link_kind = None, ""
    task.save(update_fields=["parent", "link_kind"])
    Indicator.objects.filter(task=task, parent__isnull=False).update(parent=None)
    audit_log(
        actor=by,
        action="task.unlink",
        target=task,
        plan=task.action.plan,
        changes={"parent": [parent_id, None]},
    )
    return task


@transaction.atomic
def task_set_progress_source(*, task: Task, source: str, by) -> Task:
    """Whether the upper task's progress is its own lead's or follows the tasks answering it."""
    if source not in Task.ProgressSource.values:
        raise ValidationError({"progress_source": _("请选择进度来源。")})
    task = Task.objects.select_for_update().select_related("action__plan").get(pk=task.pk)
    before = task.progress_source
    if before != source:
        task.progress_source = source
        task.save(update_fields=["progress_source"])
        audit_log(
            actor=by,
            action="task.progress_source",
            target=task,
            plan=task.action.plan,
            changes={"progress_source": [before, source]},
        )
    return task


def similarity(upper_title_key: str, upper_names: set, title_key_: str, names: set) -> Decimal:
    """How likely a task answers an upper one, 0–1: their titles' likeness, raised when
    they share an indicator (by name and unit)."""
    ratio = difflib.SequenceMatcher(None, upper_title_key, title_key_).ratio()
    if upper_names & names:
        ratio += 0.3
    return Decimal(str(round(min(ratio, 1.0), 2)))


def handdown_candidates(task, plans) -> dict:
    """{plan id: [(score, task)]}: the tasks of each plan most like the upper task by
    title, raised when they share an indicator, best first, for the office to confirm.
    Two queries whatever the number of plans."""
    plan_ids = [p.pk for p in plans]
    lower = list(
        Task.objects.filter(action__plan__in=plan_ids, parent__isnull=True)
        .active()
        .select_related("action")
        .only("id", "title", "label", "seq", "action__plan_id", "action__seq")
    )
    names = {}
    for task_id, name, unit in Indicator.objects.filter(task__in=[t.pk for t in lower]).values_list(
        "task_id", "name", "unit"
    ):
        names.setdefault(task_id, set()).add(indicator_key(name, unit))
    upper_key = title_key(task.title)
    upper_names = {indicator_key(i.name, i.unit) for i in task.indicators.all()}
    scored = {pk: [] for pk in plan_ids}
    for candidate in lower:
        score = similarity(upper_key, upper_names, title_key(candidate.title), names.get(candidate.pk, set()))
        if score >= CANDIDATE_MIN_SCORE:
            scored[candidate.action.plan_id].append((score, candidate))
    return {
        pk: sorted(items, key=lambda s: (-s[0], s[1].pk))[:CANDIDATES_PER_PLAN]
        for pk, items in scored.items()
    }
