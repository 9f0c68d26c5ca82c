from decimal import Decimal

import pytest
from django.urls import reverse

from agencies.models import AuditEntry
from reports.models import TaskLight, WarningRule

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_office_adjusts_the_plans_rule_and_the_lights_follow(quarter, login):
    q = quarter
    url = reverse("reports:warning-rule", args=[q.plan_a.pk])
    client = login(q.users.office)
    assert "当前使用默认规则" in client.get(url).content.decode()
    data = {
        "red_behind_pct": "30",
        "yellow_behind_pct": "10",
        "yellow_returns": "3",
        "yellow_when_late": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    rule = WarningRule.objects.get(plan=q.plan_a)
    assert (rule.red_behind_pct, rule.yellow_behind_pct, rule.yellow_returns) == (Decimal(30), Decimal(10), 3)
    assert (rule.red_when_lagging, rule.red_when_missing_after_deadline, rule.yellow_when_late) == (
        False,
        False,
        True,
    )
    assert AuditEntry.objects.filter(action="warning_rule.update", plan=q.plan_a).exists()
    # Recomputed on commit with the new rule: A2 is now only yellow (late).
    assert TaskLight.objects.get(task=q.task_a2, period=q.period_a).level == "yellow"


def test_a_yellow_threshold_above_the_red_one_is_refused_with_a_message(quarter, login):
    q = quarter
    url = reverse("reports:warning-rule", args=[q.plan_a.pk])
    response = login(q.users.office).post(
        url, {"red_behind_pct": "10", "yellow_behind_pct": "15", "yellow_returns": "2"}
    )
    assert response.status_code == 200
    assert "黄灯阈值不能高于红灯阈值。" in response.content.decode()
    assert not WarningRule.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("leader", 403), ("owner", 404), ("other_office", 404)])
def test_only_the_office_of_the_plan_changes_its_rule(quarter, login, who, status):
    q = quarter
    url = reverse("reports:warning-rule", args=[q.plan_a.pk])
    assert login(getattr(q.users, who)).post(url, {"red_behind_pct": "50"}).status_code == status
    assert not WarningRule.objects.exists()
