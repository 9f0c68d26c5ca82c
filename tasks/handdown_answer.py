"""The lower office answers a task handed down to its plan (上级下达任务待落实): it links
one of its own tasks (suggested by title and indicator similarity, as the upper office's
page suggests them, and confirmed by the lower office) or creates a task for it. Once
answered, only the upper office may take the link back (tasks.handdown.task_unlink)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.audit import audit_log

from .handdown import _create_lower, _split_indicators, handdown_candidates
from .models import HandDown, Task


def waiting_hand_downs(plan_ids):
    """The tasks handed down to these plans and not yet answered there, oldest first,
    each with its upper task, plan and region: one query."""
    return list(
        HandDown.objects.waiting()
        .filter(plan__in=list(plan_ids))
        .select_related("task__action__plan__region", "plan__region", "by")
        .order_by("handed_at", "pk")
    )


def answer_candidates(hand_down) -> list:
    """[(score, task)]: the plan's tasks most like the upper task, best first."""
    return handdown_candidates(hand_down.task, [hand_down.plan]).get(hand_down.plan_id, [])


@transaction.atomic
def handdown_answer(*, hand_down: HandDown, by, link=None, title: str = "", source_text: str = "") -> Task:
    """Answer the hand-down in its plan: link the plan's task `link` (a Task or id), or
    with no link create a task from the upper one (`title`, `source_text` if given).
    Raises ValidationError when it is answered already, the upper task is archived, or
    the task to link is not a current task of the plan free of another upper task."""
    hand_down = (
        HandDown.objects.select_for_update()
        .select_related("task__action__plan", "plan__region")
        .get(pk=hand_down.pk)
    )
    upper, plan = hand_down.task, hand_down.plan
    upper = Task.objects.select_for_update().get(pk=upper.pk)
    if upper.archived_at is not None:
        raise ValidationError(_("上级任务已归档，无需落实。"))
    answering = Task.objects.filter(parent=upper, action__plan=plan).active().first()
    if answering is not None:
        raise ValidationError(
            {"task": _("本方案已由任务“%(title)s”承接该上级任务。") % {"title": answering.title}}
        )
    created = link in (None, "")
    if created:
        lower = _create_lower(upper, plan, title.strip(), source_text.strip(), None, {})
    else:
        link_id = getattr(link, "pk", link)
        lower = (
            Task.objects.select_for_update()
            .filter(pk=link_id, action__plan=plan)
            .active()
            .select_related("action")
            .first()
        )
        if lower is None:
            raise ValidationError(
                {"task": _("任务 %(id)s 不是%(plan)s的现行任务。") % {"id": link_id, "plan": plan.title}}
            )
        if lower.parent_id is not None:
            raise ValidationError(
                {"task": _("任务“%(title)s”已承接另一项上级任务。") % {"title": lower.title}}
            )
        lower.parent, lower.link_kind = upper, Task.LinkKind.LINKED
        lower.save(update_fields=["parent", "link_kind"])
    tied = _split_indicators(upper=upper, lower=lower, plan=plan, targets={}, created=created)
    audit_log(
        actor=by,
        action="task.hand_down_answer",
        target=lower,
        plan=plan,
        changes={"parent": [None, upper.pk], "link_kind": lower.link_kind, "split_indicators": tied},
    )
    return lower
