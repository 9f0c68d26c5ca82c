"""Text people type (task titles, agency names, plan titles) is shown, never run."""

import pytest

from agencies.models import Agency
from plans.models import Plan
from tasks.models import Task

SCRIPT = '<script>alert("xss")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;"
IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture
def hostile(world):
    Task.objects.filter(pk=world.task_a1.pk).update(title=f"大力发展新能源{SCRIPT}")
    Agency.objects.filter(pk=world.own.pk).update(name=f"县发改局{IMG}")
    Plan.objects.filter(pk=world.plan_a.pk).update(title=f"甲县方案{SCRIPT}")
    return world


def assert_escaped(body):
    assert SCRIPT not in body
    assert IMG not in body
    assert "<script>alert" not in body and "onerror=alert(1)>" not in body


@pytest.mark.parametrize("who", ["office", "owner", "leader"])
def test_the_plan_detail_page_escapes_task_titles_and_agency_names(hostile, login, who):
    response = login(getattr(hostile.users, who)).get(f"/plans/{hostile.plan_a.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert_escaped(body)
    assert f"大力发展新能源{ESCAPED}" in body
    assert "县发改局&lt;img src=x onerror=alert(1)&gt;" in body


@pytest.mark.parametrize("who", ["office", "owner", "admin"])
def test_the_home_page_escapes_plan_titles_and_agency_names(hostile, login, who):
    response = login(getattr(hostile.users, who)).get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert_escaped(body)
    assert f"甲县方案{ESCAPED}" in body


def test_the_home_page_of_agency_staff_shows_their_agency_name_escaped(hostile, login):
    body = login(hostile.users.owner).get("/").content.decode()
    assert "县发改局&lt;img src=x onerror=alert(1)&gt;" in body
    assert_escaped(body)
