"""The home's plan list is paged: an office over a whole province sees its plans twenty at
a time, never all at once."""

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def _plan_list(page: str) -> str:
    start = page.index('id="home-plans"')
    return page[start : page.index("</section>", start)]


def test_the_home_pages_a_long_plan_list(client):
    province = f.RegionFactory(name="某省", level="province")
    for n in range(23):
        f.PlanFactory(
            region=f.RegionFactory(name=f"第{n:02d}县", parent=province), title=f"第{n:02d}县碳达峰实施方案"
        )
    office = f.UserFactory()
    f.role(office, "office", region=province)
    client.force_login(office)
    # The work queue above names plans too: read the plan list's table only.
    first = _plan_list(client.get("/").content.decode())
    second = _plan_list(client.get("/?page=2").content.decode())
    shown = [n for n in range(23) if f"第{n:02d}县碳达峰实施方案" in first]
    rest = [n for n in range(23) if f"第{n:02d}县碳达峰实施方案" in second]
    assert shown == list(range(20)) and "第 1 / 2 页" in first
    assert rest == [20, 21, 22] and "第 2 / 2 页" in second
    assert client.get("/?page=abc").status_code == 200  # a bad page number shows the first
