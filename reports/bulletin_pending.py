"""督查通报待印发: the bulletins an office still has to issue, as its home counts them and
the plan's bulletin list filters them (?pending=1).

A quarter waits for its bulletin when
* a version was generated (已生成) and no version of that quarter has been issued yet —
  the latest generated version is the one to edit and issue; or
* it is the last quarter that has ended, and no bulletin was generated or is being
  generated for it (a failed run alone does not count as made)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Q

from .models import Bulletin


@dataclass(frozen=True)
class PendingBulletin:
    period: object  # ReportingPeriod
    version: int | None  # the latest generated version to issue; None: nothing made yet

    @property
    def to_make(self) -> bool:
        return self.version is None


def pending_bulletins(periods_by_plan: dict, today) -> dict[int, list[PendingBulletin]]:
    """{plan id: [PendingBulletin], latest quarter first} for the plans' quarters
    (`periods_by_plan`: plan id → all its ReportingPeriods): one query for any number of
    plans, filtered by plan rather than by its quarters' ids (twenty plans of twenty
    quarters would bind four hundred of them)."""
    if not any(periods_by_plan.values()):
        return {}
    made = {
        row["period_id"]: row
        for row in Bulletin.objects.filter(plan__in=list(periods_by_plan))
        .values("period_id")
        .annotate(
            issued=Count("pk", filter=Q(issue_no__isnull=False)),
            latest_done=Max("version", filter=Q(state=Bulletin.State.DONE)),
            under_way=Count("pk", filter=Q(state__in=[Bulletin.State.QUEUED, Bulletin.State.RUNNING])),
        )
        .order_by()
    }
    result = {}
    for plan_id, periods in periods_by_plan.items():
        ordered = sorted(periods, key=lambda p: (p.year, p.quarter), reverse=True)
        ended = [p for p in ordered if p.ends_on < today]
        last_ended = ended[0] if ended else None
        pending = []
        for period in ordered:
            row = made.get(period.pk)
            if row and row["issued"]:
                continue
            if row and row["latest_done"] is not None:
                pending.append(PendingBulletin(period, row["latest_done"]))
            elif period == last_ended and not (row and row["under_way"]):
                pending.append(PendingBulletin(period, None))
        result[plan_id] = pending
    return result
