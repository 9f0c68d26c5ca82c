"""提醒 → 催办 → 通报: reminders about quarterly reports not yet submitted.

* 提醒 (remind): from REMIND_DAYS_BEFORE days before the deadline, to the staff of
  each agency with an assigned task still without a submitted report.
* 催办 (urge): from the deadline day, to the same agencies, if still missing.
* 通报 (escalate): ESCALATE_DAYS_AFTER days after the deadline, to the plan's office,
  with the list of agencies that have still not reported.

An agency for which the office reopened the quarter (PeriodReopening) is chased
against its own, later deadline: it is neither urged nor reported to the office as
late before that day, and its reminders name that day. Once a quarter is closed only
the agencies it was reopened for are chased.

Each stage goes out once per quarter and agency (once per quarter for the office):
a ReminderLog row is written first, under a unique constraint, and only a new row
sends anything. A stage whose day was missed (the job did not run) is not sent late:
a 提醒 after the deadline would be wrong, so the stage due today is the one sent.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.audit import audit_log
from agencies.models import Agency, Role
from agencies.notifications import notify
from tasks.consolidation import ReviewPolicy
from tasks.models import ProgressReport, ReportingPeriod, TaskAssignment
from tasks.periods import agency_deadline, reopened_until

from .models import Chase, ReminderLog

REMIND_DAYS_BEFORE = 3
ESCALATE_DAYS_AFTER = 3
# Quarters whose deadline is older than this are left to the bulletin, not reminders.
LOOKBACK_DAYS = 30

STAGE_TITLES = {
    ReminderLog.Stage.REMIND: "【提醒】{period}进展填报将于{deadline}截止",
    ReminderLog.Stage.URGE: "【催办】{period}进展填报已到截止日期",
    ReminderLog.Stage.ESCALATE: "【通报】{period}仍有单位未报送进展",
}


def stage_due(period, today: dt.date, *, deadline: dt.date | None = None) -> str | None:
    """The stage due today against the quarter's deadline (or an agency's own one)."""
    deadline = deadline or period.deadline
    if deadline - dt.timedelta(days=REMIND_DAYS_BEFORE) <= today < deadline:
        return ReminderLog.Stage.REMIND
    if deadline <= today < deadline + dt.timedelta(days=ESCALATE_DAYS_AFTER):
        return ReminderLog.Stage.URGE
    if today >= deadline + dt.timedelta(days=ESCALATE_DAYS_AFTER):
        return ReminderLog.Stage.ESCALATE
    return None


class ChaseCounts(dict):
    """Per agency: how many reminders and chases it was sent for a quarter (a dict of
    counts), and when the last one went out (``last``)."""

    def __init__(self):
        super().__init__()
        self.last = {}

    def add(self, agency_id, at):
        self[agency_id] = self.get(agency_id, 0) + 1
        if agency_id not in self.last or at > self.last[agency_id]:
            self.last[agency_id] = at

    def text(self, agency_id) -> str:
        """已发催办 as the list and its export show it: "2 次，最近 04-12 09:30"."""
        if not self.get(agency_id):
            return ""
        return _("%(count)s 次，最近 %(time)s") % {
            "count": self[agency_id],
            "time": f"{timezone.localtime(self.last[agency_id]):%m-%d %H:%M}",
        }


def chase_counts(period) -> ChaseCounts:
    """Automatic reminders (提醒, 催办) and the office's chases, per agency. Two queries."""
    counts = ChaseCounts()
    for agency_id, at in ReminderLog.objects.filter(period=period, agency__isnull=False).values_list(
        "agency_id", "sent_at"
    ):
        counts.add(agency_id, at)
    for agency_id, at in Chase.objects.filter(period=period).values_list("agency_id", "sent_at"):
        counts.add(agency_id, at)
    return counts


MISSING_KINDS = {"lead": gettext_lazy("牵头单位未报"), "support": gettext_lazy("配合单位未报送材料")}
MISSING_ITEMS = {"report": gettext_lazy("进展报告"), "input": gettext_lazy("配合单位材料")}


def _missing_state(state, is_input) -> str:
    if is_input:
        return _("材料草稿未报送") if state == ProgressReport.State.DRAFT else _("材料未报送")
    return _("草稿未提交") if state == ProgressReport.State.DRAFT else _("未填报")


def missing_summary(rows) -> str:
    """How many of the rows are reports and how many inputs: “进展 2 项、配合单位材料 1 项”,
    or “2 项” where none is an input."""
    inputs = sum(1 for r in rows if r.get("is_input"))
    reports = len(rows) - inputs
    if not inputs:
        return _("%(n)d 项") % {"n": reports}
    parts = [_("进展 %(n)d 项") % {"n": reports}] if reports else []
    parts.append(_("配合单位材料 %(n)d 项") % {"n": inputs})
    return "、".join(parts)


def missing_rows(*, plan, period, chased: ChaseCounts | None = None) -> list[dict]:
    """未报清单: every assignment of the plan without a submitted report for the
    quarter (no report at all, or a draft), ordered by agency then task, with the
    reminders and chases each agency was sent (已发催办). Four queries, two fewer when
    the caller has the chase counts already."""
    states = {
        (r["task_id"], r["agency_id"]): r["state"]
        for r in ProgressReport.objects.filter(period=period, task__action__plan=plan).values(
            "task_id", "agency_id", "state"
        )
    }
    chased = chase_counts(period) if chased is None else chased
    # Where the leads consolidate, a supporter owes its lead an input (配合单位材料), not a
    # report to the office: the list, the chases and the reminders name it so.
    inputs = ReviewPolicy.of(plan).lead_consolidates
    rows = []
    roles = dict(TaskAssignment.Role.choices)
    # Plain tuples of what a row shows: a plan has hundreds of assignments, and a model
    # instance for each with its task, action and agency was most of the page's time.
    for task_id, agency_id, role, agency, task_seq, title, action_seq, action_label, action_title in (
        TaskAssignment.objects.filter(task__action__plan=plan, task__archived_at__isnull=True)
        .order_by("agency__name", "task__action__seq", "task__seq", "role")
        .values_list(
            "task_id", "agency_id", "role", "agency__name", "task__seq", "task__title",
            "task__action__seq", "task__action__label", "task__action__title",
        )
    ):  # fmt: skip
        state = states.get((task_id, agency_id))
        if state not in (None, ProgressReport.State.DRAFT):
            continue
        is_lead = role == TaskAssignment.Role.LEAD
        is_input = inputs and role == TaskAssignment.Role.SUPPORT
        number = f"{action_seq}.{task_seq}"
        rows.append(
            {
                "is_input": is_input,
                "item": MISSING_ITEMS["input" if is_input else "report"],
                # How a chase or reminder lists it: an input says what it is and where it goes.
                "line": f"{number} {title}" + (_("（配合单位材料，报送牵头单位）") if is_input else ""),
                "agency_id": agency_id,
                "agency": agency,
                "role": str(roles.get(role, role)),
                # 牵头单位未报 or 配合单位未报送材料: the office chases the first for its own
                # review, the second on the lead's behalf.
                "kind": "lead" if is_lead else "support",
                "kind_label": MISSING_KINDS["lead" if is_lead else "support"],
                "number": number,
                "task": title,
                "task_id": task_id,
                "action": f"{action_label}{action_title}",
                "state": _missing_state(state, is_input),
                "chases": chased.get(agency_id, 0),
                "last_chased": chased.last.get(agency_id),
                "reminded": chased.text(agency_id),
            }
        )
    return rows


def _office_users(plan):
    chain = plan.region.ancestor_ids()
    return [
        role.user
        for role in Role.objects.filter(Q(plan=plan) | Q(region_id__in=chain), kind=Role.Kind.OFFICE)
        .select_related("user")
        .order_by("user_id")
        if role.user.is_active
    ]


def _deliver(*, users, title: str, body: str, url: str, plan, agency, event_key: str) -> list[str]:
    """Through the one notification entry point: in-app notices now, e-mails once the
    transaction commits, and the plan's group robots. Returns the addresses."""
    notify(
        users=users, kind="reminder", title=title, body=body, url=url, plan=plan, agency=agency,
        event_key=event_key,
    )  # fmt: skip
    return sorted({u.email for u in users if u.email})


@transaction.atomic
def reminder_send(
    *, period, stage: str, agency=None, rows: list[dict], deadline: dt.date | None = None
) -> ReminderLog | None:
    """Send one stage for one agency (or, for 通报, to the office); None if it went out
    before. deadline: the agency's own, when the quarter was reopened for it."""
    plan = period.plan
    deadline = deadline or period.deadline
    if ReminderLog.objects.filter(period=period, agency=agency, stage=stage).exists():
        return None
    try:
        with transaction.atomic():
            log = ReminderLog.objects.create(
                period=period,
                agency=agency,
                stage=stage,
                missing_tasks=[r.get("line") or f"{r['number']} {r['task']}" for r in rows],
            )
    except IntegrityError:
        return None  # another run got there first
    title = STAGE_TITLES[stage].format(period=period.display_name, deadline=f"{deadline:%Y-%m-%d}")
    if agency is not None:
        users = [
            role.user
            for role in Role.objects.filter(kind=Role.Kind.STAFF, agency=agency).select_related("user")
            if role.user.is_active
        ]
        lines = "\n".join(f"{r['number']} {r['task']}（{r['state']}）" for r in rows)
        body = (
            f"《{plan.title}》{period.display_name}进展填报截止日期为{deadline:%Y-%m-%d}。"
            f"{agency.name}以下{missing_summary(rows)}尚未报送：\n{lines}"
        )
        url = "/tasks/"
    else:
        users = _office_users(plan)
        by_agency = defaultdict(list)
        for r in rows:
            by_agency[r["agency"]].append(r)
        body = (
            f"《{plan.title}》{period.display_name}已过截止日期{ESCALATE_DAYS_AFTER}天，以下单位仍未报送：\n"
            + "\n".join(f"{name}：{missing_summary(items)}" for name, items in sorted(by_agency.items()))
        )
        url = f"/reports/plans/{plan.pk}/missing/?period={period.label}"
    log.recipients = [u.username for u in users]
    log.emails = _deliver(
        users=users, title=title, body=body, url=url, plan=plan, agency=agency, event_key=f"reminder:{log.pk}"
    )
    log.save(update_fields=["recipients", "emails"])
    audit_log(
        actor=None,
        action=f"reminder.{stage}",
        target=log,
        changes={"agency": agency.name if agency else "专班办公室", "recipients": log.recipients},
        plan=plan,
    )
    return log


def reminders_send_for_period(*, period, today: dt.date) -> list[ReminderLog]:
    """The stage due today for each agency still missing a report, against its own
    deadline; the office hears of the agencies whose deadline is three days gone."""
    reopened = reopened_until(period)
    if stage_due(period, today) is None and not reopened:
        return []
    # Reminders are stored and sent in the site's language, whoever's request led here.
    with translation.override(settings.LANGUAGE_CODE):
        return _send_for_period(period=period, today=today, reopened=reopened)


def _send_for_period(*, period, today: dt.date, reopened) -> list[ReminderLog]:
    rows = missing_rows(plan=period.plan, period=period)
    by_agency = defaultdict(list)
    for row in rows:
        if period.is_closed and row["agency_id"] not in reopened:
            continue  # a closed quarter is chased only where it was reopened
        by_agency[row["agency_id"]].append(row)
    agencies = Agency.objects.in_bulk(list(by_agency)) if by_agency else {}
    sent, overdue = [], []
    for agency_id, agency_rows in by_agency.items():
        deadline = agency_deadline(period, reopened, agency_id)
        stage = stage_due(period, today, deadline=deadline)
        if stage == ReminderLog.Stage.ESCALATE:
            overdue += agency_rows
        elif stage is not None:
            log = reminder_send(
                period=period, stage=stage, agency=agencies[agency_id], rows=agency_rows, deadline=deadline
            )
            if log:
                sent.append(log)
    if overdue:
        log = reminder_send(period=period, stage=ReminderLog.Stage.ESCALATE, agency=None, rows=overdue)
        if log:
            sent.append(log)
    return sent


def reminders_send_due(*, today: dt.date | None = None) -> dict:
    """The daily run: every open quarter near or just past its deadline, and every
    quarter reopened for an agency until a day near or just past."""
    today = today or timezone.localdate()
    window = (today - dt.timedelta(days=LOOKBACK_DAYS), today + dt.timedelta(days=REMIND_DAYS_BEFORE))
    periods = (
        ReportingPeriod.objects.filter(
            Q(is_closed=False, deadline__range=window) | Q(reopenings__until__range=window)
        )
        .distinct()
        .select_related("plan", "plan__region", "plan__region__parent", "plan__region__parent__parent")
    )
    counts = defaultdict(int)
    for period in periods:
        for log in reminders_send_for_period(period=period, today=today):
            counts[str(log.stage)] += 1
    return dict(counts)
