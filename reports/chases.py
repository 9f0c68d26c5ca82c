"""催办 by hand: the office chases one late agency, or all of them, with a message.

Each chase is a Chase row (who, when, which reports, what was said), an audit entry and
a notice to the agency's staff (e-mail once the transaction commits). An agency is
chased at most once a day for a quarter: a second chase on the same local date is
skipped and said so, never sent twice (a unique constraint on the date backs it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_log
from agencies.notifications import notify_chase
from tasks.consolidation import ReviewPolicy

from .models import Chase, ReminderLog
from .reminders import missing_rows

MESSAGE_MAX_LENGTH = 2000


@dataclass
class ChaseOutcome:
    sent: list = field(default_factory=list)  # [Chase]
    already_today: list = field(default_factory=list)  # [Agency]: chased earlier today
    nothing_missing: list = field(default_factory=list)  # [Agency]: all reports are in


def late_rows_by_agency(*, plan, period, chased=None) -> dict[int, list[dict]]:
    """The 未报清单 rows of each agency that still owes a report for the quarter."""
    by_agency = defaultdict(list)
    for row in missing_rows(plan=plan, period=period, chased=chased):
        by_agency[row["agency_id"]].append(row)
    return dict(by_agency)


def chase_default_message(*, plan, period) -> str:
    params = {"plan": plan.title, "period": period.display_name, "deadline": f"{period.deadline:%Y-%m-%d}"}
    if ReviewPolicy.of(plan).lead_consolidates:
        # A supporter owes its lead an input, not a report: the message says both.
        return (
            _(
                "《%(plan)s》%(period)s进展填报截止日期为%(deadline)s，贵单位尚有任务进展或配合单位材料未报送，"
                "请尽快登录系统填报：牵头的任务提交进展，配合的任务向牵头单位报送配合单位材料。"
            )
            % params
        )
    return (
        _(
            "《%(plan)s》%(period)s进展填报截止日期为%(deadline)s，贵单位尚有任务未提交进展，"
            "请尽快登录系统填报并提交。"
        )
        % params
    )


@transaction.atomic
def chase_send(*, plan, period, agencies, message: str, by) -> ChaseOutcome:
    """Chase each agency that still owes a report for the quarter, once a day at most."""
    if period.plan_id != plan.pk:
        raise ValidationError(_("季度不属于该方案。"))
    message = (message or "").strip()
    if not message:
        raise ValidationError(_("请填写催办内容。"))
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ValidationError(_("催办内容最多 %(n)s 字。") % {"n": MESSAGE_MAX_LENGTH})
    today = timezone.localdate()
    late = late_rows_by_agency(plan=plan, period=period)
    agencies = sorted(set(agencies), key=lambda a: a.name)
    chased_today = set(
        Chase.objects.filter(period=period, sent_on=today, agency__in=agencies).values_list(
            "agency_id", flat=True
        )
    )
    outcome = ChaseOutcome()
    for agency in agencies:
        rows = late.get(agency.pk)
        if not rows:
            outcome.nothing_missing.append(agency)
            continue
        if agency.pk in chased_today:
            outcome.already_today.append(agency)
            continue
        try:
            with transaction.atomic():
                chase = Chase.objects.create(
                    period=period,
                    agency=agency,
                    by=by,
                    sent_on=today,
                    message=message,
                    task_ids=sorted({r["task_id"] for r in rows}),
                    missing_tasks=[r["line"] for r in rows],
                )
        except IntegrityError:  # a colleague chased the same agency a moment ago
            outcome.already_today.append(agency)
            continue
        notes = notify_chase(chase=chase, plan=plan)
        chase.recipients = sorted({n.user.username for n in notes})
        chase.save(update_fields=["recipients"])
        audit_log(
            actor=by,
            action="chase.send",
            target=chase,
            changes={
                "agency": agency.name,
                "message": message,
                "missing_tasks": "；".join(chase.missing_tasks),
                "recipients": "、".join(chase.recipients),
            },
            plan=plan,
        )
        outcome.sent.append(chase)
    return outcome


def chase_log(period, *, limit: int = 50) -> list:
    """The latest reminders and chases of a quarter, newest first, each with a
    ``stage_label``: the automatic stages by name, the office's as 人工催办. Two queries."""
    reminders = list(
        ReminderLog.objects.filter(period=period).select_related("agency").order_by("-sent_at")[:limit]
    )
    for log in reminders:
        log.stage_label = log.get_stage_display()
    chases = list(
        Chase.objects.filter(period=period).select_related("agency", "by").order_by("-sent_at")[:limit]
    )
    for chase in chases:
        chase.stage_label = _("人工催办")
    return sorted(reminders + chases, key=lambda log: log.sent_at, reverse=True)[:limit]
