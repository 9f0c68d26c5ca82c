"""The leader view: big numbers, the red list and indicator status, from the office dashboard's reads."""

from __future__ import annotations

from dataclasses import dataclass

from indicators.assessment import BEHIND_STATUSES
from plans.models import Plan
from tasks.models import ReportingPeriod

from ..models import Rollup
from .browser_charts import action_points, chart_labels, light_totals
from .office import PlanDashboard, plan_dashboard


@dataclass
class LeaderSummary:
    plan: Plan
    period: ReportingPeriod
    overall: Rollup | None
    actions: list
    red_list: list  # [TaskRow]
    indicators: list

    def chart_data(self):
        return {
            "labels": chart_labels(),
            "actions": action_points(self.actions),
            "lights": light_totals(self.overall),
        }

    @property
    def indicators_on_track(self):
        return sum(1 for c in self.indicators if c.is_on_track)

    @property
    def indicators_behind(self):
        return sum(1 for c in self.indicators if c.status in BEHIND_STATUSES)

    @property
    def indicators_no_data(self):
        return sum(1 for c in self.indicators if not c.is_on_track and c.status not in BEHIND_STATUSES)


def leader_summary(plan, period, *, board: PlanDashboard | None = None) -> LeaderSummary:
    """Big numbers, red list and indicator status: the dashboard's queries, nothing more."""
    board = board or plan_dashboard(plan, period)
    return LeaderSummary(
        plan=plan,
        period=period,
        overall=board.overall,
        actions=board.actions,
        red_list=board.red_tasks,
        indicators=board.indicators,
    )
