"""Writes of the reports app: warning rules, bulletins, and a recompute asked for by name.

Figures are kept current by the figure-source hook and the stale marks (reports.marks):
no write here or in the apps below asks for a recompute. rollup_request stays for an
explicit recompute of one plan and quarter (an operator's, a test's)."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import Max

from agencies.audit import audit_log

from .models import Bulletin, WarningRule

logger = logging.getLogger(__name__)

# Approvals arrive in bursts (an office reviews a page of reports in a minute): one
# recompute a few seconds after the first of them covers all of them.
ROLLUP_COALESCE_SECONDS = 5
# A pending flag that outlives a lost job only delays the next recompute this long.
ROLLUP_PENDING_TTL = 120


def rollup_pending_key(plan_id, period_id) -> str:
    return f"reports:rollup-pending:{plan_id}:{period_id}"


def rollup_request(*, plan_id: int, period_id: int) -> None:
    """Ask for the rollups of a plan and quarter to be recomputed once the current
    transaction commits, whether or not anything is marked stale. Safe to call many
    times: a burst produces one job.

    Two layers coalesce: within one transaction only the first call registers a
    commit hook (a rolled-back transaction drops it with the others); across
    transactions a cache flag holds later calls back while a job is queued, and the
    job clears the flag before it reads, so nothing committed after that is missed.
    Without Redis (the embedded default) the job runs in-process at commit.
    """
    key = (int(plan_id), int(period_id))
    connection = connections["default"]
    if connection.in_atomic_block and any(
        getattr(hook, "carbon_rollup_key", None) == key for _sids, hook, *_rest in connection.run_on_commit
    ):
        return

    def _queue():
        from kombu.exceptions import OperationalError as BrokerError
        from redis.exceptions import RedisError

        from carbonplan.celery import job

        # The report is committed by now: Redis being away must not turn the user's
        # save into a server error. Nothing is lost: the change's stale mark committed with
        # it, and reports.jobs.recompute_stale_rollups recomputes it once Redis is back.
        unreachable = (RedisError, BrokerError, OSError)
        pending = rollup_pending_key(*key)
        try:
            if not cache.add(pending, 1, timeout=ROLLUP_PENDING_TTL):
                return
            job("reports.jobs.recompute_plan_period").apply_async(
                kwargs={"plan_id": key[0], "period_id": key[1]}, countdown=ROLLUP_COALESCE_SECONDS
            )
        except unreachable as exc:
            logger.warning(
                "rollup of plan %s period %s not queued (%s); the catch-up job will recompute it",
                *key,
                exc,
            )
            try:
                # A flag left behind would hold back the next request for its TTL.
                cache.delete(pending)
            except unreachable:
                pass

    _queue.carbon_rollup_key = key
    transaction.on_commit(_queue)


@transaction.atomic
def warning_rule_update(*, rule: WarningRule, data: dict, by) -> WarningRule:
    """Change a plan's red/yellow/green thresholds; the plan's lights follow once the
    change commits (the rule is a figure source: every quarter of the plan is marked)."""
    before = {name: getattr(rule, name) for name in data} if rule.pk else {}
    for name, value in data.items():
        setattr(rule, name, value)
    rule.full_clean()
    rule.save()
    from agencies.audit import diff_fields

    audit_log(
        actor=by,
        action="warning_rule.update",
        target=rule,
        changes=diff_fields(before, {name: getattr(rule, name) for name in data}),
        plan=rule.plan,
    )
    return rule


@transaction.atomic
def bulletin_request(*, plan, period, by=None) -> Bulletin:
    """A new version of the plan's bulletin for the quarter, generated in the background."""
    if period.plan_id != plan.pk:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError(_("该季度不属于此方案。"))
    # Lock the plan row so two clicks at once cannot take the same version number.
    type(plan).objects.select_for_update().filter(pk=plan.pk).first()
    latest = Bulletin.objects.filter(plan=plan, period=period).aggregate(v=Max("version"))["v"] or 0
    bulletin = Bulletin(plan=plan, period=period, version=latest + 1, requested_by=by, message="")
    bulletin.full_clean()
    bulletin.save()
    audit_log(actor=by, action="bulletin.request", target=bulletin, plan=plan)
    _queue_generation(bulletin.pk)
    return bulletin


def _queue_generation(bulletin_id: int) -> None:
    def _queue():
        from kombu.exceptions import OperationalError as BrokerError
        from redis.exceptions import RedisError

        from carbonplan.celery import job

        from .bulletin_runs import bulletin_mark_unsent

        try:
            job("reports.jobs.generate_bulletin").delay(bulletin_id=bulletin_id)
        except (RedisError, BrokerError, OSError) as exc:
            # The bulletin is stored as queued: the minute's sweep (reports/bulletin_runs.py)
            # queues it once the broker is back, rather than the office's click failing.
            logger.warning("bulletin %s not queued (%s); the sweep will queue it", bulletin_id, exc)
            try:
                bulletin_mark_unsent(bulletin_id=bulletin_id)
            except Exception:  # the database away too: the sweep finds it by its age
                logger.warning("bulletin %s not marked unsent", bulletin_id, exc_info=True)

    transaction.on_commit(_queue)


def _bulletin_regenerate(bulletin: Bulletin) -> None:
    """Write the bulletin's files again (after its wording or 期号 changed): a new
    generation, with runs counted afresh."""
    Bulletin.objects.filter(pk=bulletin.pk).update(
        state=Bulletin.State.QUEUED, progress=0, message="", error="", attempt=0, heartbeat_at=None
    )
    bulletin.state = Bulletin.State.QUEUED
    _queue_generation(bulletin.pk)


def _editable(bulletin: Bulletin) -> None:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if bulletin.is_published:
        raise ValidationError(_("已印发的通报不能再修改。"))
    if bulletin.state != Bulletin.State.DONE:
        raise ValidationError(_("请等待通报生成完成。"))


def _set_summary(bulletin: Bulletin, summary: str, by) -> None:
    from agencies.audit import diff_fields

    before = {"summary": bulletin.summary}
    bulletin.summary = summary.strip()
    bulletin.full_clean()
    bulletin.save(update_fields=["summary"])
    audit_log(
        actor=by,
        action="bulletin.summary",
        target=bulletin,
        changes=diff_fields(before, {"summary": bulletin.summary}),
        plan=bulletin.plan,
    )


@transaction.atomic
def bulletin_summary_update(*, bulletin: Bulletin, summary: str, by) -> Bulletin:
    """The office rewrites the 总体情况 paragraph; the files are written again with it
    (an empty paragraph gives back the generated one)."""
    bulletin = Bulletin.objects.select_for_update().select_related("plan").get(pk=bulletin.pk)
    _editable(bulletin)
    _set_summary(bulletin, summary, by)
    _bulletin_regenerate(bulletin)
    return bulletin


@transaction.atomic
def bulletin_publish(*, bulletin: Bulletin, by, summary: str | None = None) -> Bulletin:
    """Issue a version (with its 总体情况 as last edited, if given): it takes the plan's
    next 期号 of the year and its files are written again carrying it. One version per
    quarter is issued."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone
    from django.utils.translation import gettext as _

    type(bulletin.plan).objects.select_for_update().filter(pk=bulletin.plan_id).first()
    bulletin = Bulletin.objects.select_for_update().select_related("plan", "period").get(pk=bulletin.pk)
    _editable(bulletin)
    issued = Bulletin.objects.filter(plan=bulletin.plan_id, period=bulletin.period_id, issue_no__isnull=False)
    if issued.exists():
        raise ValidationError(_("本季度的通报已印发。"))
    if summary is not None and summary.strip() != bulletin.summary:
        _set_summary(bulletin, summary, by)
    now = timezone.now()
    year = timezone.localdate(now).year
    last = (
        Bulletin.objects.filter(plan=bulletin.plan_id, issue_year=year).aggregate(n=Max("issue_no"))["n"] or 0
    )
    bulletin.issue_year, bulletin.issue_no, bulletin.published_at = year, last + 1, now
    bulletin.save(update_fields=["issue_year", "issue_no", "published_at"])
    audit_log(
        actor=by,
        action="bulletin.publish",
        target=bulletin,
        changes={"issue": [None, f"{year}-{bulletin.issue_no}"]},
        plan=bulletin.plan,
    )
    from agencies.notifications import notify_bulletin_published

    notify_bulletin_published(bulletin=bulletin)
    _bulletin_regenerate(bulletin)
    return bulletin
