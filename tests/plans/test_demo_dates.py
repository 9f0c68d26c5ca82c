"""Whatever day the demo is built, the quarter under way is open: the demo's agency reports
on a task it leads and the office approves it at once, and earlier quarters hold history."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from agencies.models import AuditEntry, Role
from plans.demo import build_demo
from plans.models import Plan, PlanSchedule
from tasks.models import ProgressReport, TaskAssignment
from tasks.periods import period_label, quarter_of

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "day",
    [
        dt.date(2026, 1, 5),  # early in a quarter, the last quarter's deadline not yet passed
        dt.date(2026, 5, 14),  # mid-quarter, before the default window opens
        dt.date(2026, 9, 29),  # the last days of a quarter
        dt.date(2026, 12, 7),  # early December: the default window opens on the 16th
        dt.date(2028, 2, 29),  # a leap day
    ],
    ids=str,
)
def test_the_demos_agency_reports_and_the_office_approves_on_the_day_it_is_built(client, day):
    with time_machine.travel(dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI), tick=False):
        build_demo()
        plan = Plan.objects.get(region__name="岳阳县")
        current = plan.periods.get(label=period_label(*quarter_of(day)))
        assert current.opens_on <= day <= current.deadline and not current.is_closed
        # The plan runs on a schedule its office set, and the office opened the quarter under
        # way from its first day when the schedule's window was still ahead: both audited.
        schedule = PlanSchedule.objects.get(plan=plan)
        assert schedule.first_period == "2025Q1" and schedule.last_period == current.label
        assert AuditEntry.objects.filter(plan=plan, action="plan.schedule", actor__username="office").exists()
        scheduled_opening = current.deadline - dt.timedelta(days=schedule.window_days)
        opened = AuditEntry.objects.filter(plan=plan, action="period.dates", target_id=str(current.pk))
        assert opened.exists() == (scheduled_opening > day)
        assert current.opens_on == (current.starts_on if scheduled_opening > day else scheduled_opening)

        agency = Role.objects.get(user__username="agency", kind="staff").agency
        reported = ProgressReport.objects.filter(period=current, agency=agency).values_list(
            "task_id", flat=True
        )
        task = (
            TaskAssignment.objects.filter(task__action__plan=plan, agency=agency, role="lead")
            .exclude(task_id__in=list(reported))
            .order_by("task__action__seq", "task__seq")
            .first()
            .task
        )
        assert client.login(username="agency", password="carbonplan")
        home = client.get(reverse("tasks:agency_home")).content.decode()
        assert current.label in home
        url = reverse("tasks:report_form", args=[task.pk, current.pk])
        assert "还不能提交" not in client.get(url).content.decode()
        response = client.post(
            url,
            {"version": "0", "status": "in_progress", "percent": "30", "progress_text": "已完成年度方案编制。",
             "problems": "", "next_steps": "按计划推进。", "action": "submit"},
        )  # fmt: skip
        assert response.status_code == 302, response.content.decode()[:2000]
        report = ProgressReport.objects.get(task=task, agency=agency, period=current)
        assert report.state == "submitted" and not report.is_late

        assert client.login(username="office", password="carbonplan")
        assert (
            client.post(reverse("tasks:report_approve", args=[report.pk]), {"comment": ""}).status_code == 302
        )
        report.refresh_from_db()
        assert report.state == "approved" and report.reviewed_by.username == "office"

        # Earlier quarters hold history: the quarters past their deadline have approved reports.
        past = [p for p in plan.periods.order_by("year", "quarter") if p.deadline < day]
        assert len(past) >= 3
        for period in past[:-1]:
            assert ProgressReport.objects.filter(period=period, state="approved").count() > 20, period.label
