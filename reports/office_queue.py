"""The office's further work items per plan on its home (reports.home), each counted the
way the list it links to shows it:

* agencies late (逾期未报单位): once the quarter's deadline has passed, the agencies that
  still have 未报 reports (reports.counts `missing`: no report or only a draft) — the
  agencies of the 未报清单. Returned reports, the rest of 待报送
  (tasks.selectors.AWAITING_SUBMISSION), are counted apart as 退回未重报;
* tasks newly red (本季度新增红灯): red in the quarter's stored lights and not red in the
  quarter before — the dashboard's task list filtered by `level=red&new=1`;
* bulletins to issue (待印发通报): reports.bulletin_pending — the plan's bulletin list
  filtered by `pending=1`;
* quarters with no schedule (未安排填报的季度): plans.schedule.unscheduled_quarters — the
  list on the plan's schedule page.

Three queries for any number of plans; the lists come from the stored agency rollups and
task lights, not from the reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Q

from plans.schedule import unscheduled_quarters
from tasks.periods import previous_label

from .bulletin_pending import pending_bulletins
from .models import Rollup, TaskLight


@dataclass
class OfficeItems:
    late_agencies: int | None = None  # None while the quarter's deadline is ahead
    newly_red: int = 0
    to_issue: list = field(default_factory=list)  # [PendingBulletin]
    unscheduled: list = field(default_factory=list)  # ["2026Q1", …]

    @property
    def is_quiet(self) -> bool:
        return not (self.late_agencies or self.newly_red or self.to_issue or self.unscheduled)


def office_items(plans, periods_by_plan: dict, current: dict, today) -> dict[int, OfficeItems]:
    """{plan id: OfficeItems} given each plan's quarters and its current one."""
    chosen = {pk: period for pk, period in current.items() if period is not None}
    due = [period.pk for period in chosen.values() if period.deadline < today]
    late = {}
    if due:
        late = dict(
            Rollup.objects.filter(scope=Rollup.Scope.AGENCY, period__in=due)
            # 未报 = expected − submitted (reports.counts): no report at all, or a draft.
            .filter(Q(missing__gt=0) | Q(draft__gt=0))
            .values("plan_id")
            .annotate(n=Count("pk"))
            .values_list("plan_id", "n")
            .order_by()
        )
    newly_red = {}
    if chosen:
        before = [
            period.pk
            for pk, now in chosen.items()
            for period in periods_by_plan.get(pk, [])
            if period.label == previous_label(now.label)
        ]
        newly_red = dict(
            TaskLight.objects.filter(
                period__in=[p.pk for p in chosen.values()],
                level=TaskLight.Level.RED,
                task__archived_at__isnull=True,
            )
            .exclude(
                task__in=TaskLight.objects.filter(period__in=before, level=TaskLight.Level.RED).values("task")
            )
            .values(plan_id=F("period__plan_id"))
            .annotate(n=Count("pk"))
            .values_list("plan_id", "n")
            .order_by()
        )
    pending = pending_bulletins({pk: periods_by_plan.get(pk, []) for pk in chosen}, today)
    items = {}
    for plan in plans:
        period = chosen.get(plan.pk)
        items[plan.pk] = OfficeItems(
            late_agencies=late.get(plan.pk, 0) if period and period.deadline < today else None,
            newly_red=newly_red.get(plan.pk, 0),
            to_issue=pending.get(plan.pk, []),
            unscheduled=unscheduled_quarters(
                plan, [p.label for p in periods_by_plan.get(plan.pk, [])], today
            ),
        )
    return items
