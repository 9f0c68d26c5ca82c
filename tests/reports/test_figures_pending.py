"""The office sees when the stored figures wait for changes to be counted (a refresh
job waiting, or Redis away so that only the catch-up job will count them), and the
notice goes once they are counted."""

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import jobs
from reports.models import FigureMark
from reports.rollups import rollup_plan_period
from tasks.models import ProgressReport
from tests import factories as f
from tests.reports.conftest import build_plan

NOTICE = "统计待更新"


@pytest.mark.django_db
def test_the_dashboard_says_figures_are_pending_while_a_change_is_uncounted(client):
    data = build_plan(6, title="待更新方案")
    rollup_plan_period(plan=data.plan, period=data.period)
    FigureMark.objects.filter(plan=data.plan).delete()
    office = f.UserFactory(username="pending-office")
    f.role(office, "office", plan=data.plan)
    client.force_login(office)
    url = reverse("reports:dashboard", args=[data.plan.pk]) + f"?period={data.period.label}"
    assert NOTICE not in client.get(url).content.decode()

    # A change committed while its refresh could not run: the mark stays.
    report = ProgressReport.objects.filter(period=data.period).first()
    ProgressReport.objects.filter(pk=report.pk).update(progress_text="已更新")
    mark = FigureMark.objects.create(plan=data.plan, period=data.period)
    page = client.get(url).content.decode()
    since = timezone.localtime(mark.marked_at).strftime("%m-%d %H:%M")
    assert f"{NOTICE}：自 {since} 起" in page

    jobs.recompute_stale_rollups.apply()  # the catch-up, as beat runs it
    assert not FigureMark.objects.filter(plan=data.plan).exists()
    assert NOTICE not in client.get(url).content.decode()
