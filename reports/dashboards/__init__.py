"""Reads behind the office dashboard, the task drill-down, the region view, the leader
view and the briefing, one module each.

Every figure comes from the stored rollups (`Rollup`, `TaskLight`) so a page costs the
same handful of queries whatever the size of the plan; nothing here aggregates reports
row by row. Each selector documents how many queries it runs, and the tests pin them.
"""

from .handed_down import HandedDownBoard, HandedDownTask, LowerTask, handed_down_board, region_handed_down
from .indicator_cards import IndicatorCard, indicator_cards
from .leader import LeaderSummary, leader_summary
from .office import LEVEL_CHOICES, STATUS_CHOICES, Filters, PlanDashboard, TaskRow, plan_dashboard
from .region import (
    ChildRegion,
    IndicatorTally,
    RegionDashboard,
    SharedIndicator,
    region_dashboard,
    region_periods,
)
from .task_drilldown import TaskDrilldown, task_drilldown

__all__ = [
    "ChildRegion",
    "LEVEL_CHOICES",
    "STATUS_CHOICES",
    "Filters",
    "HandedDownBoard",
    "HandedDownTask",
    "LowerTask",
    "IndicatorCard",
    "IndicatorTally",
    "LeaderSummary",
    "PlanDashboard",
    "RegionDashboard",
    "SharedIndicator",
    "TaskDrilldown",
    "TaskRow",
    "handed_down_board",
    "indicator_cards",
    "leader_summary",
    "plan_dashboard",
    "region_dashboard",
    "region_handed_down",
    "region_periods",
    "task_drilldown",
]
