"""Reads of the year-end assessment for pages, exports, the API, the bulletin and the
homes: each a fixed number of queries whatever the number of agencies."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch

from .models import (
    Assessment,
    AssessmentAdjustment,
    AssessmentItem,
    AssessmentObjection,
    AssessmentScore,
    AssessmentState,
    Component,
    Grade,
)
from .rules import GRADE_ORDER, item_text

COMPONENT_CODES = [c.value for c in Component]


def ranked_scores(assessment):
    """The round's scores, ranked, unscored agencies last, with their agency."""
    return (
        AssessmentScore.objects.filter(assessment=assessment)
        .select_related("agency")
        .order_by(F("rank").asc(nulls_last=True), "agency__name", "agency_id")
    )


@dataclass
class Ranking:
    """A round's ranking as a home, the bulletin or the leader page shows it."""

    assessment: Assessment
    rows: list  # [AssessmentScore] ranked
    grades: list = field(default_factory=list)  # [(label, count)]

    @property
    def scored(self) -> list:
        return [r for r in self.rows if r.score is not None]


def assessment_ranking(plan, year: int | None = None, *, published_only: bool = True) -> Ranking | None:
    """The ranking of the plan's latest published round (of `year`, else of the latest
    year with one): what the homes, the region page and the year-end bulletin show.
    With published_only=False the latest round whatever its state (the office's and the
    leaders' view of a draft). Two queries."""
    rounds = Assessment.objects.filter(plan=plan).select_related("plan", "scheme")
    if published_only:
        rounds = rounds.filter(state=AssessmentState.PUBLISHED)
    if year is not None:
        rounds = rounds.filter(year=year)
    assessment = rounds.order_by("-year", "-round").first()
    if assessment is None:
        return None
    rows = list(ranked_scores(assessment))
    counts = {grade: 0 for grade in GRADE_ORDER}
    for row in rows:
        if row.grade:
            counts[row.grade] += 1
    return Ranking(
        assessment=assessment, rows=rows, grades=[(str(Grade(g).label), n) for g, n in counts.items()]
    )


def breakdown(score: AssessmentScore) -> list[dict]:
    """Every line of a score, worded in the active language, grouped by component in the
    order of the scheme: [{"code", "name", "points", "max", "applicable", "lines"}]."""
    items = list(AssessmentItem.objects.filter(score=score).order_by("seq"))
    by_component = {}
    for item in items:
        by_component.setdefault(item.component, []).append(
            {
                "text": item_text(item.rule, item.params),
                "points": item.points,
                "rule": item.rule,
                "report_id": item.report_id,
                "task_id": item.task_id,
            }  # fmt: skip
        )
    parts = []
    for part in score.components:
        code = part["code"]
        parts.append({**part, "name": str(Component(code).label), "lines": by_component.get(code, [])})
    return parts


def round_page(assessment, *, agency_ids=None) -> dict:
    """What a round's page lists: the scores (all, or those of `agency_ids`), the items
    entered by hand and the objections, each with its agency. Three queries."""
    scores = ranked_scores(assessment)
    adjustments = AssessmentAdjustment.objects.filter(assessment=assessment).select_related(
        "agency", "created_by"
    )
    objections = AssessmentObjection.objects.filter(assessment=assessment).select_related(
        "agency", "created_by", "answered_by"
    )
    if agency_ids is not None:
        scores = scores.filter(agency_id__in=agency_ids)
        adjustments = adjustments.filter(agency_id__in=agency_ids)
        objections = objections.filter(agency_id__in=agency_ids)
    return {"scores": list(scores), "adjustments": list(adjustments), "objections": list(objections)}


def export_context(assessment) -> dict:
    """The Excel score table: a row per agency with each component's points, and every
    line of every breakdown. Three queries."""
    scores = list(ranked_scores(assessment))
    scheme = assessment.scheme
    columns = [
        (str(Component(code).label), float(scheme.max_of(code)) if scheme else 0) for code in COMPONENT_CODES
    ]
    rows = []
    for score in scores:
        parts = {c["code"]: c for c in score.components}
        rows.append(
            {
                "rank": score.rank,
                "agency": score.agency.name,
                "score": score.score,
                "grade": str(Grade(score.grade).label) if score.grade else "不参加排名",
                "parts": [parts.get(code, {}).get("points") for code in COMPONENT_CODES],
                "base": score.base,
                "adjustment": score.adjustment,
            }
        )
    names = {score.pk: score.agency.name for score in scores}
    items = [
        [names[item.score_id], str(Component(item.component).label), item_text(item.rule, item.params),
         item.params.get("period", ""), item.params.get("task", ""), item.points]
        for item in AssessmentItem.objects.filter(score__assessment=assessment).order_by(
            F("score__rank").asc(nulls_last=True), "score_id", "seq"
        )
    ]  # fmt: skip
    title = f"{assessment.plan.region.name}{assessment.year}年度考核得分表"
    if assessment.round > 1:
        title += f"（第{assessment.round}轮）"
    return {"title": title, "columns": columns, "rows": rows, "items": items}


def rounds_with_scores(plan, agency_ids=None):
    """The plan's rounds, newest first, each with its scores (those of `agency_ids`)."""
    scores = AssessmentScore.objects.select_related("agency")
    if agency_ids is not None:
        scores = scores.filter(agency_id__in=agency_ids)
    return (
        Assessment.objects.filter(plan=plan)
        .select_related("scheme")
        .prefetch_related(Prefetch("scores", queryset=scores))
        .order_by("-year", "-round")
    )


def bulletin_ranking(plan, period) -> dict | None:
    """What the year-end (Q4) bulletin says of the year's assessment: the published
    ranking, or, while the year's round is not yet published, that the results follow
    separately; None for the other quarters and for a year without a round."""
    if period.quarter != 4:
        return None
    ranking = assessment_ranking(plan, period.year)
    if ranking is None:
        if Assessment.objects.filter(plan=plan, year=period.year).exists():
            return {"year": period.year, "published": False, "rows": [], "grades": []}
        return None
    names = {grade: [] for grade in GRADE_ORDER}
    for row in ranking.scored:
        names[row.grade].append(row.agency.name)
    return {
        "year": period.year,
        "published": True,
        "published_on": ranking.assessment.published_at,
        "rows": [
            {
                "rank": r.rank,
                "name": r.agency.name,
                "score": r.score,
                "grade": str(Grade(r.grade).label) if r.grade else "不参加排名",
            }
            for r in ranking.rows
        ],  # fmt: skip
        "grades": [(str(Grade(g).label), agencies) for g, agencies in names.items() if agencies],
    }


@dataclass
class PlanAssessment:
    """A plan's latest published round in a region's list: grades and the first ranked."""

    plan: object
    assessment: Assessment
    scored: int
    grades: list  # [(label, count)]
    first: list  # names of the agencies ranked first


def region_assessments(plans) -> list[PlanAssessment]:
    """The latest published round of each of `plans` (those without one left out):
    three queries however many plans."""
    by_pk = {plan.pk: plan for plan in plans}
    latest = {}
    for assessment in Assessment.objects.filter(
        plan_id__in=list(by_pk), state=AssessmentState.PUBLISHED
    ).order_by("plan_id", "-year", "-round"):
        latest.setdefault(assessment.plan_id, assessment)
    if not latest:
        return []
    ids = [a.pk for a in latest.values()]
    counts = {}
    for row in (
        AssessmentScore.objects.filter(assessment_id__in=ids, score__isnull=False)
        .values("assessment_id", "grade")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(row["assessment_id"], {})[row["grade"]] = row["n"]
    first = {}
    for assessment_id, name in (
        AssessmentScore.objects.filter(assessment_id__in=ids, rank=1)
        .order_by("agency__name")
        .values_list("assessment_id", "agency__name")
    ):
        first.setdefault(assessment_id, []).append(name)
    return [
        PlanAssessment(
            plan=by_pk[plan_id],
            assessment=assessment,
            scored=sum(counts.get(assessment.pk, {}).values()),
            grades=[(str(Grade(g).label), counts.get(assessment.pk, {}).get(g, 0)) for g in GRADE_ORDER],
            first=first.get(assessment.pk, []),
        )
        for plan_id, assessment in latest.items()
    ]
