"""The leader view: big numbers, the red list and indicator status, from the office dashboard's reads."""

from __future__ import annotations

from dataclasses import dataclass

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

    # The counts the rollup stored with the plan's figures, not counted again here.
    @property
    def indicators_on_track(self):
        return self.overall.indicators_on_track if self.overall else 0

    @property
    def indicators_behind(self):
        return self.overall.indicators_behind if self.overall else 0

    @property
    def indicators_no_data(self):
        """Not assessed: no value yet, no baseline or no target year."""
        return self.overall.indicators_no_data + self.overall.indicators_no_baseline if self.overall else 0


def leader_summary(plan, period, *, board: PlanDashboard | None = None) -> LeaderSummary:
    """Big numbers, red list and indicator status: the dashboard's queries, nothing more
    (no sparkline is drawn here, so no values are read)."""
    board = board or plan_dashboard(plan, period, series=False)
    return LeaderSummary(
        plan=plan,
        period=period,
        overall=board.overall,
        actions=board.actions,
        red_list=board.red_tasks,
        indicators=board.indicators,
    )
