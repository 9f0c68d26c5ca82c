"""In-app notices, e-mail and group robots about progress reports.

`notify` is the one entry point: Notification rows are written in the caller's
transaction; e-mail goes out only after it commits, so a rolled-back review never mails
anybody; and a notice about a plan whose kind is registered in
`agencies/channels/events.py` is also written as a delivery to each group robot of the
plan and of the regions above it (sent after commit, see `agencies/channels/outbox.py`).

Event kinds (`Notification.kind`), what causes each and who hears of it:

- ``report_submitted``: a report reaches the office's review queue — the plan's office.
- ``input_submitted``: a supporting agency's input (配合单位材料) reaches its lead — the
  lead agency's staff (in-app only).
- ``report_returned`` / ``report_approved``: the office (or, for an input, the lead)
  answered a report — the reporting agency's staff.
- ``report.withdrawn`` (REPORT_WITHDRAWN): an agency took back a report the office was
  to review (撤回); it left the review queue at once — the plan's office, and the plan's
  group robots that carry the kind.
- ``input.withdrawn`` (INPUT_WITHDRAWN): a supporting agency took back its input before
  the lead gathered it — the lead agency's staff (in-app only: the office never
  reviews inputs on their own).
- ``chase``: the office's 催办 — the chased agency's staff; an upper office's 催办 one
  level down (上级催办) — the office of the plan below.
- ``bulletin_published``: a bulletin is issued — the plan's office and leaders.
- ``reminder``: the automatic 提醒 / 催办 / 通报 (reports.reminders).
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Notification, Role

log = logging.getLogger(__name__)

REPORT_WITHDRAWN = "report.withdrawn"
INPUT_WITHDRAWN = "input.withdrawn"


def _office_users(plan):
    return office_users_of(plan=plan)


def office_users_of(*, plan=None, region=None):
    """The office of a plan, or of a region: offices of it and of the regions above."""
    region = plan.region if plan is not None else region
    q = Q(region_id__in=region.ancestor_ids())
    if plan is not None:
        q |= Q(plan=plan)
    roles = Role.objects.filter(kind=Role.Kind.OFFICE).filter(q)
    return get_user_model().objects.filter(pk__in=roles.values("user_id"), is_active=True).order_by("pk")


def agency_users_of(agency):
    """The active staff accounts of an agency."""
    return _agency_users(agency)


def _agency_users(agency):
    roles = Role.objects.filter(kind=Role.Kind.STAFF, agency=agency)
    return get_user_model().objects.filter(pk__in=roles.values("user_id"), is_active=True).order_by("pk")


def notify(
    *,
    users,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    plan=None,
    agency=None,
    event_key: str = "",
) -> list[Notification]:
    """Tell `users` in-app and by e-mail, and the plan's group robots where `kind` is
    registered for them. plan: the plan the notice is about (without it no robot hears
    of it); agency: the agency it concerns (its contact may be @-mentioned); event_key:
    what makes this notice one event (a notice raised again with the same key reaches
    each robot once)."""
    from .channels.outbox import deliveries_record

    users = list(users)
    deliveries_record(
        kind=kind, plan=plan, title=title, body=body, url=url, agency=agency, event_key=event_key
    )
    notes = Notification.objects.bulk_create(
        [Notification(user=u, kind=kind, title=title[:200], body=body, url=url[:300]) for u in users]
    )
    messages = [
        (title, f"{body}\n\n{url}".strip(), settings.DEFAULT_FROM_EMAIL, [u.email]) for u in users if u.email
    ]
    if messages:
        transaction.on_commit(lambda: _send(messages))
    return notes


def _send(messages):
    try:
        send_mass_mail(messages, fail_silently=False)
    except Exception:  # the in-app notice is already stored; a mail outage must not fail the request
        log.exception("notification email failed")


def _lead_agency_users(task):
    from tasks.models import TaskAssignment

    roles = Role.objects.filter(
        kind=Role.Kind.STAFF,
        agency__assignments__task=task,
        agency__assignments__role=TaskAssignment.Role.LEAD,
    )
    return get_user_model().objects.filter(pk__in=roles.values("user_id"), is_active=True).order_by("pk")


def notify_report_submitted(*, report, is_input=False):
    """The office hears of a submission; of a supporter's input to its lead (lead
    consolidates), the lead agency's staff do, who gather it into their report."""
    plan = report.task.action.plan
    params = {"agency": report.agency.name, "period": report.period.display_name, "task": report.task.number}
    body = report.task.title + (_("（逾期报送）") if report.is_late else "")
    if is_input:
        return notify(
            users=_lead_agency_users(report.task),
            kind="input_submitted",
            title=_("%(agency)s 报送了 %(period)s 任务 %(task)s 的配合单位材料，请汇总") % params,
            body=body,
            url=reverse("tasks:report_form", args=[report.task_id, report.period_id]),
        )
    return notify(
        users=_office_users(plan),
        kind="report_submitted",
        title=_("%(agency)s 提交了 %(period)s 任务 %(task)s 的进展") % params,
        body=body,
        url=reverse("tasks:report_detail", args=[report.pk]),
        plan=plan,
        agency=report.agency,
        event_key=f"report:{report.pk}:v{report.version}:submitted",
    )


def notify_report_withdrawn(*, report, is_input=False):
    """An agency withdrew (撤回) a submitted report: the office hears that it left its
    review queue; of a supporter's input, the lead's staff hear that it is not there to
    gather any more. Worded in the site's language, like every notice sent to others."""
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "agency": report.agency.name,
            "period": report.period.display_name,
            "task": report.task.number,
        }
        body = report.task.title + "\n" + _("该材料已退回草稿状态，重新报送后会再次通知。")
        if is_input:
            return notify(
                users=_lead_agency_users(report.task),
                kind=INPUT_WITHDRAWN,
                title=_("%(agency)s 撤回了 %(period)s 任务 %(task)s 的配合单位材料") % params,
                body=body,
                url=reverse("tasks:report_form", args=[report.task_id, report.period_id]),
            )
        plan = report.task.action.plan
        return notify(
            users=_office_users(plan),
            kind=REPORT_WITHDRAWN,
            title=_("%(agency)s 撤回了 %(period)s 任务 %(task)s 的进展，已移出待审核") % params,
            body=report.task.title + "\n" + _("该填报已退回草稿状态，重新提交后会再次进入待审核。"),
            url=reverse("tasks:report_detail", args=[report.pk]),
            plan=plan,
            agency=report.agency,
            event_key=f"report:{report.pk}:v{report.version}:withdrawn",
        )


def notify_report_reviewed(*, report, by_lead=False):
    returned = report.state == "returned"
    if by_lead:
        title = _("牵头单位退回了 %(period)s 任务 %(task)s 的配合单位材料，请补充后重新报送")
    elif returned:
        title = _("%(period)s 任务 %(task)s 的进展被退回，请修改后重新提交")
    else:
        title = _("%(period)s 任务 %(task)s 的进展已通过审核")
    title %= {"period": report.period.display_name, "task": report.task.number}
    body = report.task.title
    if report.review_comment:
        body += "\n" + _("审核意见：%(comment)s") % {"comment": report.review_comment}
    kind = "report_returned" if returned else "report_approved"
    return notify(
        users=_agency_users(report.agency),
        kind=kind,
        title=title,
        body=body,
        url=reverse("tasks:report_form", args=[report.task_id, report.period_id]),
        plan=report.task.action.plan,
        agency=report.agency,
        event_key=f"report:{report.pk}:v{report.version}:{kind}",
    )


def notify_chase(*, chase, plan):
    """催办 from the office to the chased agency's staff, with its message and the tasks,
    in the site's language whatever the language of the office's page."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("【催办】%(plan)s %(period)s进展尚未报送") % {
            "plan": plan.title,
            "period": chase.period.display_name,
        }
        # Each line names what is owed: a task's progress, or an input for its lead
        # (“…（配合单位材料，报送牵头单位）”).
        body = chase.message + "\n\n" + _("尚未报送：") + "\n" + "\n".join(chase.missing_tasks)
    return notify(
        users=_agency_users(chase.agency),
        kind="chase",
        title=title,
        body=body,
        url=reverse("tasks:agency_home"),
        plan=plan,
        agency=chase.agency,
        event_key=f"chase:{chase.pk}",
    )


def notify_upper_chase(*, plan, title: str, body: str, url: str, event_key: str):
    """上级催办 to the office of the plan chased (its own and its region's, not the
    chasing offices above), in-app, e-mail and the plan's group robots that carry chases."""
    roles = Role.objects.filter(kind=Role.Kind.OFFICE).filter(Q(plan=plan) | Q(region_id=plan.region_id))
    users = get_user_model().objects.filter(pk__in=roles.values("user_id"), is_active=True).order_by("pk")
    return notify(users=users, kind="chase", title=title, body=body, url=url, plan=plan, event_key=event_key)


def notify_bulletin_published(*, bulletin):
    """督查通报印发: the plan's office and leaders in-app; the plan's group robots."""
    plan = bulletin.plan
    leaders = Role.objects.filter(kind=Role.Kind.LEADER).filter(
        Q(plan=plan) | Q(region_id__in=plan.region.ancestor_ids())
    )
    users = get_user_model().objects.filter(
        Q(pk__in=leaders.values("user_id")) | Q(pk__in=_office_users(plan).values("pk")), is_active=True
    )
    with translation.override(settings.LANGUAGE_CODE):
        title = _("《%(plan)s》%(period)s督查通报（%(year)s年第%(no)s期）已印发") % {
            "plan": plan.title,
            "period": bulletin.period.display_name,
            "year": bulletin.issue_year,
            "no": bulletin.issue_no,
        }
        body = bulletin.summary
    return notify(
        users=users.order_by("pk"),
        kind="bulletin_published",
        title=title,
        body=body,
        url=reverse("reports:plan-bulletins", args=[plan.pk]),
        plan=plan,
        event_key=f"bulletin:{bulletin.pk}:published",
    )
