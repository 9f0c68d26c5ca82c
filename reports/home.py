"""The office's, the leader's and the upper office's first page as a work queue: what
waits in each plan the user is office of at its current quarter (reports to review and
since when, returned reports not yet resubmitted, lead agencies that have not reported,
red tasks and those newly red, agencies late, bulletins to issue, quarters with no
schedule) and the plan imports waiting to be committed; each plan a leader reads with
its headline figures; and, for a region the user supervises, its plans ranked, those that
slipped since last quarter and the tasks handed down that a plan below still answers with
nothing. Figures come from the stored rollups and lights; the queries do not grow with
the plans' size (reports.office_queue counts the office's items)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Min, Q
from django.utils import timezone

from carbonplan.access import Viewer, imports_visible_to, office_plans
from plans.models import Plan, PlanImport, Region
from tasks.handdown_answer import waiting_hand_downs
from tasks.models import ProgressReport, ReportingPeriod
from tasks.periods import choose_period, latest_due

from .dashboards import region_handed_down, region_periods
from .dashboards.changes import region_ranking
from .models import Rollup
from .office_queue import OfficeItems, office_items

PLANS_SHOWN = 20
REGIONS_SHOWN = 3
# Plans ranked, and slipped plans listed, per region; the region page has them all.
RANKED_SHOWN = 10


@dataclass
class PlanQueue:
    plan: object
    period: ReportingPeriod | None  # None: the plan has no reporting quarter yet
    rollup: Rollup | None
    oldest_waiting: object = None  # when the oldest report still waiting was submitted
    items: OfficeItems | None = None  # the office's further items (office plans only)

    @property
    def days_waiting(self) -> int | None:
        if self.oldest_waiting is None:
            return None
        return (timezone.localdate() - timezone.localtime(self.oldest_waiting).date()).days

    @property
    def is_quiet(self) -> bool:
        if self.period is None:
            return False  # a plan with no quarter waits for its schedule
        r = self.rollup
        busy = r is not None and (r.to_review or r.returned or r.missing_lead or r.red)
        return not busy and (self.items is None or self.items.is_quiet)


@dataclass
class RegionQueue:
    region: Region
    label: str
    ranked: list
    slipped: list
    unanswered: list  # [HandedDownTask] a plan below still answers with nothing
    slipped_more: bool = False  # more plans slipped than listed: the region page has them all


@dataclass
class HomeQueue:
    plans: list = field(default_factory=list)  # [PlanQueue]
    plans_more: int = 0
    imports_waiting: int | None = None  # plan imports parsed and not committed (offices only)
    led: list = field(default_factory=list)  # [PlanQueue] of the plans a leader reads
    regions: list = field(default_factory=list)  # [RegionQueue]
    # Tasks handed down to the plans of the office's own level, not yet answered (上级下达任务待落实).
    waiting: list = field(default_factory=list)  # [HandDown]


def home_queue(user) -> HomeQueue:
    viewer = Viewer.of(user)
    queue = HomeQueue()
    if viewer.is_office:
        plans = list(_queue_plans(user, viewer).order_by("region__name", "title", "pk")[: PLANS_SHOWN + 1])
        queue.plans_more = max(0, len(plans) - PLANS_SHOWN)
        queue.plans = _plan_queues(plans[:PLANS_SHOWN], office=True)
        queue.imports_waiting = imports_visible_to(user).filter(state=PlanImport.State.PARSED).count()
        own = [
            p.pk for p in plans if p.pk in viewer.office_plan_ids or p.region_id in viewer.office_region_ids
        ]
        queue.waiting = waiting_hand_downs(own) if own else []
    if viewer.leader_plan_ids:
        led = Plan.objects.filter(pk__in=viewer.leader_plan_ids).select_related("region")
        queue.led = _plan_queues(list(led.order_by("region__name", "title", "pk")[:PLANS_SHOWN]))
    region_ids = sorted(viewer.office_region_ids | viewer.leader_region_ids)[:REGIONS_SHOWN]
    for region in Region.objects.filter(pk__in=region_ids).select_related("parent").order_by("pk"):
        label = choose_period(region_periods(region), None).label
        if not label:
            continue
        ranking = region_ranking(region, label, shown=RANKED_SHOWN)
        queue.regions.append(
            RegionQueue(
                region=region,
                label=label,
                ranked=ranking.ranked,
                slipped=ranking.slipped,
                slipped_more=ranking.slipped_more,
                unanswered=[item for item in region_handed_down(region, label) if item.unlinked],
            )
        )
    return queue


def _queue_plans(user, viewer):
    """The plans an office's queue covers: those it is office of one by one and, by region,
    the plans of its region and of the regions right below. Each level supervises the next
    (as 催办 goes one level down): a province office's queue holds the province's and the
    cities' plans, the counties' are in their city office's queue, and all of them on the
    region page and in the plan list."""
    plans = office_plans(user)
    if viewer.is_admin or not viewer.office_region_ids:
        return plans
    regions = list(viewer.office_region_ids)
    return plans.filter(
        Q(pk__in=list(viewer.office_plan_ids)) | Q(region__in=regions) | Q(region__parent__in=regions)
    )


def _plan_queues(plans, *, office=False) -> list[PlanQueue]:
    """Three queries for any number of plans, and office_items' for an office's."""
    if not plans:
        return []
    today = timezone.localdate()
    by_plan = {}
    for period in ReportingPeriod.objects.filter(plan__in=[p.pk for p in plans]).order_by("year", "quarter"):
        by_plan.setdefault(period.plan_id, []).append(period)
    current = {pk: latest_due(periods, today) for pk, periods in by_plan.items()}
    period_ids = [p.pk for p in current.values() if p is not None]
    rollups = {r.plan_id: r for r in Rollup.objects.filter(scope=Rollup.Scope.PLAN, period__in=period_ids)}
    oldest = dict(
        ProgressReport.objects.filter(period__in=period_ids, state=ProgressReport.State.SUBMITTED)
        .values("period__plan_id")
        .annotate(first=Min("submitted_at"))
        .values_list("period__plan_id", "first")
    )
    items = office_items(plans, by_plan, current, today) if office else {}
    return [
        PlanQueue(
            plan=plan,
            period=current.get(plan.pk),
            rollup=rollups.get(plan.pk),
            oldest_waiting=oldest.get(plan.pk),
            items=items.get(plan.pk),
        )
        for plan in plans
        # An office still sees a plan with no quarter: scheduling it is the work waiting.
        if current.get(plan.pk) is not None or office
    ]
