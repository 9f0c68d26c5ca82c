"""承接上级任务 at import: when a lower office imports or revises its plan, the review
suggests for each imported task the upper task it probably answers — one handed down to
the plan, or a task of a plan of the region directly above — by the same title and
indicator likeness the hand-down page uses. The office confirms or declines each
suggestion on the review; commit links the confirmed ones (tasks.handdown_answer, which
audits each link). A link already made stays through revisions: the revised plan keeps
its task rows, so their tasks are offered nothing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from agencies.audit import audit_log
from carbonplan.access import Viewer
from indicators.models import Indicator
from tasks.handdown import CANDIDATE_MIN_SCORE, similarity
from tasks.handdown_answer import handdown_answer
from tasks.models import HandDown, Task

from .matching import indicator_key, title_key
from .models import Plan, PlanImport

DECISIONS = ("confirmed", "declined")


@dataclass
class UpperSuggestion:
    key: str  # the imported task's title key
    title: str
    upper: Task
    score: Decimal
    handed_down: bool  # the upper task was handed down to the plan revised
    decision: str = ""  # "", "confirmed" or "declined"


def _uppers(plan_import) -> tuple[list, set]:
    """The upper tasks an imported task may answer, and those handed down to the plan."""
    region = plan_import.region
    replaced = plan_import.replaces
    handed = set()
    if replaced is not None:
        handed = set(HandDown.objects.filter(plan=replaced).values_list("task_id", flat=True))
    if region is None or (region.parent_id is None and not handed):
        return [], handed
    above = Plan.objects.filter(region_id=region.parent_id).values("pk") if region.parent_id else []
    uppers = list(
        Task.objects.filter(Q(action__plan__in=above) | Q(pk__in=handed))
        .active()
        .select_related("action__plan__region")
        .order_by("action__plan_id", "action__seq", "seq")
    )
    return uppers, handed


def upper_suggestions(plan_import: PlanImport) -> list[UpperSuggestion]:
    """For each imported task not answering an upper task yet, the upper task it most
    likely answers: four queries whatever the number of tasks."""
    uppers, handed = _uppers(plan_import)
    if not uppers or not plan_import.parsed:
        return []
    names = {}
    for task_id, name, unit in Indicator.objects.filter(task__in=[u.pk for u in uppers]).values_list(
        "task_id", "name", "unit"
    ):
        names.setdefault(task_id, set()).add(indicator_key(name, unit))
    linked_titles, answered = set(), set()
    if plan_import.replaces is not None:
        for title, parent in (
            Task.objects.filter(action__plan=plan_import.replaces, parent__isnull=False)
            .active()
            .values_list("title", "parent_id")
        ):
            linked_titles.add(title_key(title))
            answered.add(parent)
    keyed = [(u, title_key(u.title), names.get(u.pk, set())) for u in uppers if u.pk not in answered]
    decisions = plan_import.upper_links or {}
    out, seen = [], set()
    for placed in plan_import.parsed_plan.iter_tasks():
        task = placed.task
        key = title_key(task.title)
        if key in seen or key in linked_titles:
            continue
        seen.add(key)
        own = {indicator_key(i.name, i.unit) for i in task.indicators}
        best = None
        for upper, upper_key, upper_names in keyed:
            score = similarity(upper_key, upper_names, key, own)
            if upper.pk in handed:
                score = min(Decimal("1.00"), score + Decimal("0.05"))  # asked of this plan: a tie goes to it
            if score >= CANDIDATE_MIN_SCORE and (best is None or score > best[0]):
                best = (score, upper)
        if best is None:
            continue
        decision = decisions.get(key, {})
        out.append(
            UpperSuggestion(
                key=key,
                title=task.title,
                upper=best[1],
                score=best[0],
                handed_down=best[1].pk in handed,
                decision=decision.get("decision", "") if decision.get("upper") == best[1].pk else "",
            )
        )
    return out


@transaction.atomic
def plan_import_decide_upper(
    *, plan_import: PlanImport, key: str, upper_id: int, decision: str, by
) -> PlanImport:
    """The office confirms or declines one suggestion of the review."""
    plan_import = PlanImport.objects.select_for_update().get(pk=plan_import.pk)
    if plan_import.state != PlanImport.State.PARSED:
        raise ValidationError(
            _("该导入已是“%(state)s”状态，不能再修改。") % {"state": plan_import.get_state_display()}
        )
    if decision not in DECISIONS:
        raise ValidationError(_("请选择确认或不承接。"))
    suggestion = next(
        (s for s in upper_suggestions(plan_import) if s.key == key and s.upper.pk == upper_id), None
    )
    if suggestion is None:
        raise ValidationError(_("该承接建议已不存在，请刷新页面。"))
    links = dict(plan_import.upper_links or {})
    before = links.get(key, {}).get("decision", "")
    links[key] = {"upper": upper_id, "decision": decision}
    plan_import.upper_links = links
    plan_import.save(update_fields=["upper_links"])
    audit_log(
        actor=by,
        action="plan_import.upper_link",
        target=plan_import,
        plan=plan_import.replaces,
        changes={"task": suggestion.title, "upper": upper_id, "decision": [before, decision]},
    )
    return plan_import


def plan_import_link_uppers(*, plan_import: PlanImport, plan: Plan, by) -> list[str]:
    """At commit: link each confirmed suggestion in the committed plan. Returns what could
    not be linked and why (the upper task archived, answered by another task meanwhile)."""
    notes = []
    confirmed = {k: v for k, v in (plan_import.upper_links or {}).items() if v.get("decision") == "confirmed"}
    if not confirmed:
        return notes
    tasks = {title_key(t.title): t for t in Task.objects.filter(action__plan=plan).active().order_by("-pk")}
    uppers = {
        u.pk: u
        for u in Task.objects.filter(pk__in=[v["upper"] for v in confirmed.values()]).select_related(
            "action__plan__region"
        )
    }
    for key, value in confirmed.items():
        task, upper = tasks.get(key), uppers.get(value["upper"])
        if task is None or upper is None:
            notes.append(_("“%(title)s”未能承接上级任务：任务或上级任务已不存在。") % {"title": key})
            continue
        if task.parent_id == upper.pk:
            continue
        try:
            # One savepoint: a link refused leaves no record that the plan was handed the task.
            # The importer is recorded as 下达人 only as an office of the upper plan (a city
            # office importing its county's plan); a county office linking its own task at
            # import handed nothing down, and the row names no one, as rows recorded from
            # links made before hand-downs were kept do (the answer's audit names who linked).
            handed_by = by if Viewer.of(by).is_office_of(upper.action.plan) else None
            with transaction.atomic():
                hand_down, _created = HandDown.objects.get_or_create(
                    task=upper, plan=plan, defaults={"by": handed_by}
                )
                handdown_answer(hand_down=hand_down, by=by, link=task)
        except ValidationError as exc:
            notes.append(
                _("“%(title)s”未能承接上级任务“%(upper)s”：%(why)s")
                % {"title": task.title, "upper": upper.title, "why": "；".join(exc.messages)}
            )
    return notes
