"""Every page chooses its quarter the same way (tasks.periods.choose_period) and answers a
quarter that does not exist the same way: the page's default quarter, with a visible
notice naming what was asked for (escaped)."""

import datetime as dt

import pytest
from django.urls import reverse

from tasks.periods import choose_period, latest_due, latest_open
from tests import factories as f

BAD = "2031Q9<b>x</b>"


def _pages(world):
    region_office = f.UserFactory(username="county_office")
    f.role(region_office, "office", region=world.county_a)
    plan = world.plan_a.pk
    u = world.users
    # (user, url, extra query, context key holding the quarter shown)
    return {
        "dashboard": (u.office, reverse("reports:dashboard", args=[plan]), {}, "period"),
        "task": (u.office, reverse("reports:dashboard-task", args=[plan, world.task_a1.pk]), {}, "period"),
        "leader": (u.leader, reverse("reports:leader", args=[plan]), {}, "period"),
        "region": (region_office, reverse("reports:region", args=[world.county_a.pk]), {}, "label"),
        "bulletins": (u.office, reverse("reports:plan-bulletins", args=[plan]), {}, "default_period"),
        "missing": (u.office, reverse("reports:missing", args=[plan]), {}, "period"),
        "agency_home": (u.owner, reverse("tasks:agency_home"), {}, "label"),
        "review": (u.office, reverse("tasks:review"), {"plan": plan}, "period"),
    }


@pytest.mark.parametrize(
    "page", ["dashboard", "task", "leader", "region", "bulletins", "missing", "agency_home", "review"]
)
def test_every_page_answers_an_unknown_quarter_with_its_default_and_a_notice(world, client, page):
    f.PeriodFactory(plan=world.plan_a, year=2026, quarter=2)
    user, url, query, key = _pages(world)[page]
    client.force_login(user)
    plain = client.get(url, query)
    assert plain.status_code == 200
    assert "没有找到季度" not in plain.content.decode()

    response = client.get(url, {**query, "period": BAD})
    html = response.content.decode()
    assert response.status_code == 200
    assert "没有找到季度“2031Q9&lt;b&gt;x&lt;/b&gt;”，已显示默认季度" in html
    assert "<b>x</b>" not in html
    assert response.context[key] == plain.context[key] and response.context[key]

    # A quarter that exists is shown without a notice.
    chosen = client.get(url, {**query, "period": "2026q1"})
    assert "没有找到季度" not in chosen.content.decode()
    shown = chosen.context[key]
    assert (shown if isinstance(shown, str) else shown.label) == "2026Q1"


def test_the_english_interface_words_the_notice_in_english(world, client):
    client.force_login(world.users.office)
    html = client.get(
        reverse("reports:missing", args=[world.plan_a.pk]), {"period": "1999Q1"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "1999Q1" in html and "没有找到季度" not in html


def test_the_briefing_download_refuses_an_unknown_quarter_with_the_same_words(world, client):
    client.force_login(world.users.leader)
    response = client.get(reverse("reports:briefing", args=[world.plan_a.pk]), {"period": "2031Q9"})
    assert response.status_code == 400
    assert "没有找到季度“2031Q9”" in response.content.decode()


def test_the_two_defaults(world):
    q1 = world.period_a  # deadline 2026-04-10
    q2 = f.PeriodFactory(plan=world.plan_a, year=2026, quarter=2)
    periods = [q2, q1]
    # The office reads the latest quarter whose deadline has passed ...
    assert latest_due(periods, dt.date(2026, 6, 20)) == q1
    assert latest_due(periods, dt.date(2026, 7, 20)) == q2
    assert latest_due(periods, dt.date(2025, 1, 1)) == q1
    # ... agencies fill in the latest quarter whose window has opened and is not closed.
    assert latest_open(periods, dt.date(2026, 6, 20)) == q2
    q2.is_closed = True
    assert latest_open(periods, dt.date(2026, 6, 20)) == q1  # the latest still open
    q1.is_closed = True
    assert latest_open(periods, dt.date(2026, 6, 20)) == q2  # all closed: the latest opened
    assert latest_open(periods, dt.date(2026, 1, 1)) == q1
    choice = choose_period(periods, " 2026q2 ", today=dt.date(2026, 6, 20))
    assert (choice.period, choice.notice) == (q2, "")
    assert [p.label for p in choice.periods] == ["2026Q1", "2026Q2"]
