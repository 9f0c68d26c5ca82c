"""The year-end assessment of a generated province: a published scheme and a round for
every plan, their scores computed through Celery (one job per round, as the office's
start and the refresh queue them), timed from dispatch to the last job's end."""

from __future__ import annotations

import time

from django.db.models import Max
from django.utils import timezone

from . import harness

NAME = "全省年度考核计算（每个方案一个 Celery 任务）"
TARGET_MS = 30_000


def assessment_year(province) -> int:
    """The latest year whose last quarter is due in the province, else the current one."""
    from tasks.models import ReportingPeriod

    today = timezone.localdate()
    year = (
        ReportingPeriod.objects.filter(plan_id__in=province.plans, quarter=4, deadline__lt=today)
        .aggregate(year=Max("year"))
        .get("year")
    )
    return year or today.year


def prepare(province) -> list[int]:
    """A published scheme (the county defaults) and a first round per plan of the year,
    not yet computed, over figures with no change waiting: ids of the rounds."""
    from reports.models import Assessment, AssessmentScheme
    from reports.rollups import recompute_marked

    # As at year end, the stored figures have counted every change: a round never waits.
    recompute_marked(plan_ids=province.plans)
    year = assessment_year(province)
    now = timezone.now()
    ids = []
    for plan_id in province.plans:
        scheme, _ = AssessmentScheme.objects.get_or_create(
            plan_id=plan_id, year=year, version=1, defaults={"published_at": now}
        )
        assessment, _ = Assessment.objects.get_or_create(
            plan_id=plan_id, year=year, round=1, defaults={"scheme": scheme}
        )
        ids.append(assessment.pk)
    return ids


def compute_all(ids, *, queue: str | None = None, timeout: int = 1800):
    """Every round as one Celery group; returns the jobs' results once all have ended."""
    from celery import group

    from reports.assessment.jobs import compute_assessment

    signatures = [compute_assessment.s(assessment_id=pk) for pk in ids]
    if queue:
        signatures = [sig.set(queue=queue) for sig in signatures]
    return group(signatures).apply_async().get(timeout=timeout)


def province_assessments(province, *, compute=None, name: str = NAME) -> harness.Result:
    """Time the computation of every plan's round (in this process unless `compute`
    runs it elsewhere)."""
    from reports.models import AssessmentItem, AssessmentScore

    ids = prepare(province)
    AssessmentScore.objects.filter(assessment_id__in=ids).delete()
    started = time.perf_counter()
    results = (compute or compute_all)(ids)
    took = (time.perf_counter() - started) * 1000
    done = sum(1 for r in results if r and r.get("state") == "done")
    scores = AssessmentScore.objects.filter(assessment_id__in=ids).count()
    items = AssessmentItem.objects.filter(score__assessment_id__in=ids).count()
    if done != len(ids):
        return harness.Result("job", name, target_ms=TARGET_MS, error=f"{done}/{len(ids)} 个方案计算完成")
    note = f"{len(ids)} 个方案，{scores:,} 个单位得分，{items:,} 条明细"
    return harness._job_result(name, TARGET_MS, [took], note)
