"""Writes of the year-end assessment: the scheme, a round from start to publication, the
computed scores, the items entered by hand and the objections. Every write is atomic and
leaves an audit entry; every change that moves a draft score queues its computation."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_log, diff_fields
from tasks.evidence import stored_name, upload_check
from tasks.figure_sources import FigureScope

from ..fewer_collections import fewer_collections
from ..marks import mark_stale
from ..models import Rollup
from ..rollups import insert_rows
from . import freshness
from .facts import counted_quarters, read_facts
from .models import (
    SCHEME_RULE_FIELDS,
    SCORED_POINTS,
    Assessment,
    AssessmentAdjustment,
    AssessmentItem,
    AssessmentObjection,
    AssessmentScheme,
    AssessmentScore,
    AssessmentState,
    Component,
    ComputeState,
)
from .scoring import cents, score_plan

# --- the scheme -----------------------------------------------------------------------------


def latest_scheme(plan, year, *, published=False):
    schemes = AssessmentScheme.objects.filter(plan=plan, year=year)
    if published:
        schemes = schemes.filter(published_at__isnull=False)
    return schemes.order_by("-version").first()


def latest_scheme_before(plan, year):
    """The latest scheme of an earlier year: a new year starts from its rules."""
    return AssessmentScheme.objects.filter(plan=plan, year__lt=year).order_by("-year", "-version").first()


def scheme_in_use(scheme) -> bool:
    """Whether published results were computed with this version: it is then frozen."""
    return scheme.pk is not None and scheme.assessments.filter(state=AssessmentState.PUBLISHED).exists()


def _lock_plan(plan):
    # Two clicks at once must not take the same version or round number.
    type(plan).objects.select_for_update().filter(pk=plan.pk).first()


@transaction.atomic
def scheme_save(*, plan, year: int, data: dict, by) -> AssessmentScheme:
    """Create the year's scheme (from the county defaults, or the previous year's rules),
    or change it. A version already used by published results is left as it was: the
    change becomes the next version, unpublished until the office publishes it."""
    _lock_plan(plan)
    current = latest_scheme(plan, year)
    if current is None:
        earlier = (
            AssessmentScheme.objects.filter(plan=plan, year__lt=year).order_by("-year", "-version").first()
        )
        base = {name: getattr(earlier, name) for name in SCHEME_RULE_FIELDS} if earlier else {}
        scheme = AssessmentScheme(plan=plan, year=year, version=1, created_by=_user(by), **base)
        before = {}
    elif scheme_in_use(current):
        scheme = AssessmentScheme(
            plan=plan, year=year, version=current.version + 1, created_by=_user(by),
            **{name: getattr(current, name) for name in SCHEME_RULE_FIELDS},
        )  # fmt: skip
        before = {name: getattr(current, name) for name in data}
    else:
        scheme = current
        before = {name: getattr(current, name) for name in data}
    for name, value in data.items():
        if name not in SCHEME_RULE_FIELDS:
            raise ValueError(f"not a rule of the scheme: {name}")
        setattr(scheme, name, value)
    scheme.full_clean()
    created = scheme.pk is None
    scheme.save()
    audit_log(
        actor=by,
        action="assessment_scheme.create" if created else "assessment_scheme.update",
        target=scheme,
        changes=diff_fields(before, {name: getattr(scheme, name) for name in data}),
        plan=plan,
    )
    if scheme.is_published:
        _rounds_follow(plan, year)
    return scheme


@transaction.atomic
def scheme_publish(*, scheme: AssessmentScheme, by) -> AssessmentScheme:
    """Announce the scheme: from now on the year's draft rounds are computed with it."""
    scheme = AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.is_published:
        return scheme
    newer = AssessmentScheme.objects.filter(
        plan_id=scheme.plan_id, year=scheme.year, version__gt=scheme.version
    )
    if newer.exists():
        raise ValidationError(_("该版本已有更新的版本，请发布最新版本。"))
    scheme.published_at, scheme.published_by = timezone.now(), _user(by)
    scheme.save(update_fields=["published_at", "published_by"])
    audit_log(
        actor=by,
        action="assessment_scheme.publish",
        target=scheme,
        changes={"version": [None, scheme.version]},
        plan=scheme.plan,
    )
    _rounds_follow(scheme.plan, scheme.year)
    return scheme


def _rounds_follow(plan, year):
    freshness.mark_inputs_changed(
        freshness.unpublished().filter(plan=plan, year=year).values_list("pk", flat=True)
    )


# --- a round ----------------------------------------------------------------------------------


def current_round(plan, year):
    return Assessment.objects.filter(plan=plan, year=year).order_by("-round").first()


def _editable(assessment: Assessment):
    if assessment.state == AssessmentState.PUBLISHED:
        raise ValidationError(_("考核结果已发布，不能再修改。如需更正，请发起新一轮考核。"))


def _locked(assessment) -> Assessment:
    return Assessment.objects.select_for_update().select_related("plan", "plan__region").get(pk=assessment.pk)


@transaction.atomic
def assessment_start(*, plan, year: int, by) -> Assessment:
    """The year's first round, computed in the background with the published scheme."""
    _lock_plan(plan)
    existing = current_round(plan, year)
    if existing is not None:
        return existing
    if latest_scheme(plan, year, published=True) is None:
        raise ValidationError(_("请先制定并发布 %(year)s 年度考核方案。") % {"year": year})
    assessment = Assessment(plan=plan, year=year, round=1, created_by=_user(by))
    assessment.full_clean()
    assessment.save()
    audit_log(actor=by, action="assessment.start", target=assessment, plan=plan)
    freshness.queue_compute([assessment.pk], countdown=0)
    return assessment


@transaction.atomic
def assessment_recompute(*, assessment: Assessment, by) -> Assessment:
    assessment = _locked(assessment)
    _editable(assessment)
    Assessment.objects.filter(pk=assessment.pk).update(compute_state=ComputeState.QUEUED, compute_error="")
    audit_log(actor=by, action="assessment.recompute", target=assessment, plan=assessment.plan)
    freshness.mark_inputs_changed([assessment.pk])
    return assessment


@transaction.atomic
def assessment_revise(*, assessment: Assessment, by) -> Assessment:
    """A new round after published results (a correction): the published round keeps its
    scores and scheme; the new one starts as a draft with the latest published scheme
    and the bonus and deduction items entered so far."""
    _lock_plan(assessment.plan)
    latest = current_round(assessment.plan, assessment.year)
    if latest.pk != assessment.pk or assessment.state != AssessmentState.PUBLISHED:
        raise ValidationError(_("只能对最新一轮已发布的考核发起新一轮考核。"))
    revised = Assessment(
        plan=assessment.plan, year=assessment.year, round=assessment.round + 1, created_by=_user(by)
    )
    revised.save()
    AssessmentAdjustment.objects.bulk_create(
        [
            AssessmentAdjustment(
                assessment=revised,
                agency_id=a.agency_id,
                kind=a.kind,
                component=a.component,
                points=a.points,
                reason=a.reason,
                evidence=a.evidence.name,
                evidence_name=a.evidence_name,
                created_by=a.created_by,
            )  # fmt: skip
            for a in assessment.adjustments.exclude(kind=AssessmentAdjustment.Kind.CORRECTION)
        ]
    )
    audit_log(
        actor=by, action="assessment.revise", target=revised, changes={"round": [assessment.round, revised.round]},
        plan=assessment.plan,
    )  # fmt: skip
    freshness.queue_compute([revised.pk], countdown=0)
    return revised


# --- computing the scores ---------------------------------------------------------------------


def _figures_ready(assessment, quarters) -> bool:
    """Whether the stored figures the scores read are current: no change to the plan
    waits to be counted (reports.marks), and every counted quarter has been computed. A
    quarter never computed is marked stale, so the one figures job computes it; either
    way the scores are computed when that job tells freshness.figures_caught_up."""
    if freshness.waiting_for_figures(assessment):
        return False
    stored = set(
        Rollup.objects.filter(
            scope=Rollup.Scope.PLAN, plan_id=assessment.plan_id, period__in=quarters
        ).values_list("period_id", flat=True)
    )
    missing = [q for q in quarters if q.pk not in stored]
    if missing:
        with transaction.atomic():
            mark_stale({FigureScope(q.plan_id, q.pk) for q in missing})
        return False
    return True


@fewer_collections
def assessment_compute(*, assessment_id: int, today: dt.date | None = None) -> Assessment | None:
    """Compute and store a round's scores from the stored figures; a published round is
    left alone. Returns None when the figures are waiting for a change to be counted (the
    figures job queues this again once it has) or the round is gone."""
    today = today or timezone.localdate()
    assessment = Assessment.objects.select_related("plan", "plan__region").filter(pk=assessment_id).first()
    if assessment is None or assessment.state == AssessmentState.PUBLISHED:
        return assessment
    plan = assessment.plan
    scheme = latest_scheme(plan, assessment.year, published=True)
    if scheme is None:
        Assessment.objects.filter(pk=assessment.pk).update(
            compute_state=ComputeState.FAILED, compute_error=_("尚未发布考核方案。")
        )
        return assessment
    quarters = counted_quarters(plan, assessment.year, today)
    if not _figures_ready(assessment, quarters):
        return None
    # Before the read: a figure stored after this moment marks the scores stale again.
    started = timezone.now()
    Assessment.objects.filter(pk=assessment.pk).update(compute_state=ComputeState.RUNNING)
    adjustments = list(assessment.adjustments.all())
    facts = read_facts(
        plan=plan, year=assessment.year, as_of=today, adjustments=adjustments, quarters=quarters
    )
    results = score_plan(facts, scheme)
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.state == AssessmentState.PUBLISHED:
            return locked  # published meanwhile: its scores are final
        store_scores(locked, results, scheme)
        locked.scheme, locked.as_of, locked.computed_at = scheme, today, started
        locked.quarters = [q.label for q in quarters]
        locked.compute_state, locked.compute_error = ComputeState.DONE, ""
        locked.save(
            update_fields=["scheme", "as_of", "computed_at", "quarters", "compute_state", "compute_error"]
        )
    return locked


def _number(value):
    return None if value is None else float(cents(value))


def store_scores(assessment, results, scheme) -> None:
    """Replace the round's scores and their breakdown with `results` (scoring.score_plan):
    the lines written as rows (COPY on PostgreSQL), a province has tens of thousands."""
    AssessmentItem.objects.filter(score__assessment=assessment).delete()
    assessment.scores.all().delete()
    scores = AssessmentScore.objects.bulk_create(
        [
            AssessmentScore(
                assessment=assessment,
                agency_id=r.agency_id,
                score=r.score,
                base=r.base,
                adjustment=r.adjustment,
                rank=r.rank,
                grade=r.grade,
                components=[
                    {
                        "code": code,
                        "name": str(Component(code).label),
                        "points": _number(part.points) if part.applicable else None,
                        "max": _number(part.maximum),
                        "applicable": part.applicable,
                    }
                    for code, part in r.parts.items()
                ],
                counts=r.counts,
            )
            for r in results
        ],
        batch_size=500,
    )
    insert_rows(
        AssessmentItem,
        [
            {
                "score_id": row.pk,
                "seq": seq,
                "component": line.component,
                "rule": line.rule,
                "points": cents(line.points),
                "task_id": line.task_id,
                "report_id": line.report_id,
                "period_id": line.period_id,
                "indicator_id": line.indicator_id,
                "params": line.params,
            }  # fmt: skip
            for row, result in zip(scores, results, strict=True)
            for seq, line in enumerate(result.lines)
        ],
    )


# --- the 公示 window, objections and publication --------------------------------------------------


@transaction.atomic
def assessment_open_objections(*, assessment, opens_on: dt.date, closes_on: dt.date, by) -> Assessment:
    """Show each agency its draft score and take objections from `opens_on` to `closes_on`
    (the office may move the dates while the round is unpublished)."""
    assessment = _locked(assessment)
    _editable(assessment)
    if assessment.compute_state != ComputeState.DONE:
        raise ValidationError(_("请等待考核得分计算完成后再公示。"))
    before = {"state": assessment.state, "objection_opens_on": assessment.objection_opens_on,
              "objection_closes_on": assessment.objection_closes_on}  # fmt: skip
    assessment.state = AssessmentState.OBJECTION
    assessment.objection_opens_on, assessment.objection_closes_on = opens_on, closes_on
    assessment.full_clean()
    assessment.save(update_fields=["state", "objection_opens_on", "objection_closes_on"])
    audit_log(
        actor=by, action="assessment.open_objections", target=assessment,
        changes=diff_fields(before, {"state": assessment.state, "objection_opens_on": opens_on,
                                     "objection_closes_on": closes_on}),
        plan=assessment.plan,
    )  # fmt: skip
    from .notify import notify_window_opened

    notify_window_opened(assessment=assessment)
    return assessment


@transaction.atomic
def objection_raise(
    *, assessment, agency, comment: str, component: str = "", by, today: dt.date | None = None
) -> AssessmentObjection:
    assessment = _locked(assessment)
    today = today or timezone.localdate()
    if not assessment.objection_open(today):
        raise ValidationError(_("当前不在申诉期内。"))
    if not assessment.scores.filter(agency=agency).exists():
        raise ValidationError(_("本单位不在本次考核之列。"))
    objection = AssessmentObjection(
        assessment=assessment, agency=agency, component=component, comment=(comment or "").strip(),
        created_by=_user(by),
    )  # fmt: skip
    objection.full_clean()
    objection.save()
    audit_log(
        actor=by, action="assessment.objection", target=objection,
        changes={"comment": [None, objection.comment]}, plan=assessment.plan,
    )  # fmt: skip
    from .notify import notify_objection_raised

    notify_objection_raised(objection=objection)
    return objection


@transaction.atomic
def objection_answer(*, objection, answer: str, by, correction: dict | None = None) -> AssessmentObjection:
    """The office's answer, and, where it upholds the objection, a correction of one
    component (`correction`: component, points, reason) that the scores take at once."""
    objection = (
        AssessmentObjection.objects.select_for_update()
        .select_related("assessment", "agency")
        .get(pk=objection.pk)
    )
    assessment = _locked(objection.assessment)
    _editable(assessment)
    if objection.state != AssessmentObjection.State.OPEN:
        raise ValidationError(_("该申诉已答复。"))
    objection.answer = (answer or "").strip()
    objection.state = AssessmentObjection.State.ANSWERED
    objection.answered_by, objection.answered_at = _user(by), timezone.now()
    objection.full_clean()
    objection.save()
    adjustment = None
    if correction:
        adjustment = _adjustment_create(
            assessment=assessment, agency=objection.agency, kind=AssessmentAdjustment.Kind.CORRECTION,
            component=correction.get("component", ""), points=correction.get("points"),
            reason=correction.get("reason") or objection.answer, upload=None, objection=objection, by=by,
        )  # fmt: skip
    audit_log(
        actor=by, action="assessment.objection_answer", target=objection,
        changes={"answer": [None, objection.answer],
                 **({"correction": [None, f"{adjustment.component} {adjustment.points:+.2f}"]} if adjustment else {})},
        plan=assessment.plan,
    )  # fmt: skip
    from .notify import notify_objection_answered

    notify_objection_answered(objection=objection, adjustment=adjustment)
    return objection


@transaction.atomic
def assessment_publish(*, assessment, by, today: dt.date | None = None) -> Assessment:
    """Publish the round: its scores are final from now on."""
    today = today or timezone.localdate()
    assessment = _locked(assessment)
    _editable(assessment)
    if assessment.objections.filter(state=AssessmentObjection.State.OPEN).exists():
        raise ValidationError(_("还有未答复的申诉，请答复后再发布。"))
    if assessment.state == AssessmentState.OBJECTION and assessment.objection_closes_on >= today:
        raise ValidationError(
            _("申诉期至 %(day)s，期满后方可发布。") % {"day": assessment.objection_closes_on.isoformat()}
        )
    if freshness.waiting_for_figures(assessment):
        # What is published must be computed from today's figures: the figures job is
        # counting a change, and the scores follow it.
        raise ValidationError(_("统计数据正在更新，得分随后重新计算，请稍后再发布。"))
    if assessment.compute_state != ComputeState.DONE or freshness.is_stale(assessment, today):
        freshness.queue_compute([assessment.pk], countdown=0)
        raise ValidationError(_("考核得分正在按最新数据重新计算，请稍后再发布。"))
    assessment.state = AssessmentState.PUBLISHED
    assessment.published_at, assessment.published_by = timezone.now(), _user(by)
    assessment.save(update_fields=["state", "published_at", "published_by"])
    audit_log(
        actor=by, action="assessment.publish", target=assessment,
        changes={"state": [AssessmentState.OBJECTION, AssessmentState.PUBLISHED]}, plan=assessment.plan,
    )  # fmt: skip
    from .notify import notify_published

    notify_published(assessment=assessment)
    return assessment


# --- items entered by hand ------------------------------------------------------------------------


def _adjustment_create(*, assessment, agency, kind, points, reason, upload, by, component="", objection=None):
    if kind not in AssessmentAdjustment.Kind.values:
        raise ValidationError({"kind": _("请选择加分、减分或复核调整。")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请写明事由。")})
    is_correction = kind == AssessmentAdjustment.Kind.CORRECTION
    if is_correction and component not in SCORED_POINTS:
        raise ValidationError({"component": _("复核调整须指定调整的分项。")})
    if points is None or (is_correction and points == 0) or (not is_correction and points <= 0):
        raise ValidationError(
            {"points": _("复核调整的分值不能为 0。") if is_correction else _("加分、减分的分值应为正数。")}
        )
    if not is_correction:
        component = ""
        if upload is None:
            raise ValidationError({"evidence": _("加分、减分须附佐证材料。")})
    if not assessment.scores.filter(agency=agency).exists():
        raise ValidationError({"agency": _("该单位不在本次考核之列。")})
    item = AssessmentAdjustment(
        assessment=assessment, agency=agency, kind=kind, component=component, points=points,
        reason=reason.strip(), objection=objection, created_by=_user(by),
    )  # fmt: skip
    item.full_clean(exclude=["evidence"])
    if upload is not None:
        name, _content_type, _sha = upload_check(upload)
        item.evidence_name = name
        item.evidence.save(stored_name(name), upload, save=False)
        stored = item.evidence.name
        try:
            item.save()
        except Exception:
            item.evidence.storage.delete(stored)
            raise
    else:
        item.save()
    freshness.mark_inputs_changed([assessment.pk])
    return item


@transaction.atomic
def adjustment_add(*, assessment, agency, kind, points, reason, upload=None, component="", by):
    assessment = _locked(assessment)
    _editable(assessment)
    item = _adjustment_create(
        assessment=assessment, agency=agency, kind=kind, points=points, reason=reason, upload=upload,
        component=component, by=by,
    )  # fmt: skip
    audit_log(
        actor=by, action="assessment.adjustment_add", target=item,
        changes={"agency": [None, agency.name], "kind": [None, kind], "points": [None, str(points)],
                 "reason": [None, item.reason], "evidence": [None, item.evidence_name]},
        plan=assessment.plan,
    )  # fmt: skip
    return item


@transaction.atomic
def adjustment_remove(*, adjustment, by) -> None:
    assessment = _locked(adjustment.assessment)
    _editable(assessment)
    audit_log(
        actor=by, action="assessment.adjustment_remove", target=adjustment,
        changes={"agency": [adjustment.agency.name, None], "kind": [adjustment.kind, None],
                 "points": [str(adjustment.points), None], "reason": [adjustment.reason, None]},
        plan=assessment.plan,
    )  # fmt: skip
    adjustment.delete()  # the file stays: an earlier round may share it
    freshness.mark_inputs_changed([assessment.pk])


def _user(by):
    return by if getattr(by, "is_authenticated", False) else None


def url_of(assessment) -> str:
    return reverse("reports:assessment", args=[assessment.pk])
