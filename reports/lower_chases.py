"""催办 one level down (上级催办): an upper office chases the office of a plan below, about
a task handed down there and not yet answered (上级下达任务待落实), or about the plan's
late reports of a quarter. Each chase is a LowerChase row (who, when, about what, what
was said, who heard), an audit entry and a notice to the lower plan's office (in-app,
e-mail and its group robots that carry chases). As with the office's chase of an agency,
one subject of one plan is chased at most once a day: a second is refused, not sent."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_log
from agencies.notifications import notify_upper_chase
from tasks.models import HandDown

from .chases import MESSAGE_MAX_LENGTH, late_rows_by_agency
from .models import LowerChase
from .reminders import missing_summary


def lower_chase_default_message(*, plan, hand_down=None, period=None) -> str:
    if hand_down is not None:
        return _("请尽快落实上级下达任务“%(task)s”：在系统中关联本级承接该任务的任务，或为其新建任务。") % {
            "task": hand_down.task.title
        }
    return _("《%(plan)s》%(period)s尚有单位未报送进展，请督促相关单位尽快填报并及时审核。") % {
        "plan": plan.title,
        "period": period.display_name,
    }


@transaction.atomic
def lower_chase_send(*, plan, by, message: str, hand_down=None, period=None) -> LowerChase:
    """Chase the plan's office about `hand_down` (a task handed to the plan, unanswered)
    or `period` (a quarter of the plan with reports missing). Raises ValidationError when
    there is nothing to chase or the subject was chased today already."""
    message = (message or "").strip()
    if not message:
        raise ValidationError(_("请填写催办内容。"))
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ValidationError(_("催办内容最多 %(n)s 字。") % {"n": MESSAGE_MAX_LENGTH})
    if (hand_down is None) == (period is None):
        raise ValidationError(_("请选择催办事项。"))
    if hand_down is not None:
        if hand_down.plan_id != plan.pk:
            raise ValidationError(_("该下达任务不属于此下级方案。"))
        if not HandDown.objects.waiting().filter(pk=hand_down.pk).exists():
            raise ValidationError(_("%(plan)s已落实该任务，无需催办。") % {"plan": plan.title})
        kind, subject = LowerChase.Kind.HAND_DOWN, f"hand_down:{hand_down.pk}"
        details = [f"{hand_down.task.number} {hand_down.task.title}"]
        title = _("【上级催办】请落实上级下达任务“%(task)s”") % {"task": hand_down.task.title}
        url = reverse("tasks:hand_down_answer", args=[hand_down.pk])
    else:
        if period.plan_id != plan.pk:
            raise ValidationError(_("季度不属于该方案。"))
        late = late_rows_by_agency(plan=plan, period=period)
        if not late:
            raise ValidationError(_("%(plan)s %(period)s的进展已全部报送，无需催办。") % {
                "plan": plan.title, "period": period.display_name})  # fmt: skip
        kind, subject = LowerChase.Kind.REPORTS, f"period:{period.pk}"
        details = [
            _("%(name)s（%(what)s未报送）") % {"name": rows[0]["agency"], "what": missing_summary(rows)}
            for rows in sorted(late.values(), key=lambda rows: rows[0]["agency"])
        ]
        title = _("【上级催办】《%(plan)s》%(period)s进展尚未报送齐全") % {
            "plan": plan.title, "period": period.display_name}  # fmt: skip
        url = reverse("reports:missing", args=[plan.pk]) + f"?period={period.label}"
    today = timezone.localdate()
    refused = ValidationError(
        _("今天已就此事项催办过%(plan)s，同一事项每天只能催办一次。") % {"plan": plan.title}
    )
    if LowerChase.objects.filter(plan=plan, subject=subject, sent_on=today).exists():
        raise refused
    try:
        with transaction.atomic():
            chase = LowerChase.objects.create(
                plan=plan, kind=kind, hand_down=hand_down, period=period, subject=subject, by=by,
                sent_on=today, message=message, details=details,
            )  # fmt: skip
    except IntegrityError as exc:  # a colleague chased the same subject a moment ago
        raise refused from exc
    body = message + "\n\n" + "\n".join(details)
    notes = notify_upper_chase(
        plan=plan, title=title, body=body, url=url, event_key=f"lower_chase:{chase.pk}"
    )
    chase.recipients = sorted({n.user.username for n in notes})
    chase.save(update_fields=["recipients"])
    audit_log(
        actor=by,
        action="chase.lower",
        target=chase,
        plan=plan,
        changes={"kind": kind, "subject": "；".join(details), "message": message,
                 "recipients": "、".join(chase.recipients)},
    )  # fmt: skip
    return chase


def lower_chase_history(plan, *, limit: int = 50) -> list:
    """The plan's 上级催办, newest first: one query."""
    return list(
        LowerChase.objects.filter(plan=plan)
        .select_related("by", "hand_down__task__action", "period")
        .order_by("-sent_at", "-pk")[:limit]
    )
