"""The import review shows the key projects read from the 专栏 boxes, and the office
corrects, removes and adds them before the plan is committed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from plans.models import PlanImport

pytestmark = pytest.mark.django_db

BOXED_PLAN = """甲县碳达峰实施方案

一、重点任务

（一）能源绿色低碳转型行动

1.大力发展新能源。到2025年，全县新能源装机容量达到50万千瓦。（县发改局牵头，县自然资源局配合）

专栏1 新能源重点项目

1.红石风电场：装机5万千瓦，2026年并网。

2.甲县抽水蓄能电站：装机140万千瓦，总投资85亿元，2030年建成。

2.推进煤炭清洁高效利用。严格控制煤炭消费。（县发改局牵头，县工信局配合）

二、保障措施

（一）加强组织领导。
"""


@pytest.fixture
def boxed_import(world, login):
    client = login(world.users.office)
    client.post(
        reverse("plans:import_list"),
        {"file": SimpleUploadedFile("jia.txt", BOXED_PLAN.encode()), "region": world.county_a.pk},
    )
    return PlanImport.objects.get()


def fields(prefix, **values):
    return {f"{prefix}-{name}": value for name, value in values.items()}


def test_the_review_shows_each_project_with_its_fields(world, login, boxed_import):
    page = (
        login(world.users.office).get(reverse("plans:import_review", args=[boxed_import.pk])).content.decode()
    )
    assert 'name="a0-t0-p0-name" value="红石风电场"' in page
    assert 'name="a0-t0-p1-investment" value="850000"' in page
    assert 'name="a0-t0-p-new-name"' in page and 'name="a0-t1-p-new-name"' in page


def test_the_office_corrects_removes_and_adds_projects(world, login, boxed_import):
    client = login(world.users.office)
    data = {
        **fields("a0-t0-p0", capacity="6", unit="万千瓦", year="2027"),
        **fields("a0-t0-p1", delete="on"),
        **fields(
            "a0-t1-p-new", name="甲县城区天然气管网改造工程", capacity="32", unit="公里", investment="4500"
        ),
    }
    response = client.post(reverse("plans:import_review", args=[boxed_import.pk]), data)
    assert response.status_code == 302
    boxed_import.refresh_from_db()
    first, second = boxed_import.parsed["actions"][0]["tasks"]
    assert [(p["name"], p["capacity"], p["unit"], p["year"]) for p in first["projects"]] == [
        ("红石风电场", 6, "万千瓦", 2027)
    ]
    (added,) = second["projects"]
    assert (added["name"], added["capacity"], added["unit"], added["investment"], added["added_by_hand"]) == (
        "甲县城区天然气管网改造工程", 32, "公里", 4500, True,
    )  # fmt: skip


def test_the_start_year_and_the_agency_the_office_corrects_are_kept_and_committed(world, login, boxed_import):
    """Every field of the form is written back: the planned start and the 责任单位 the
    office enters reach the ledger (the owner agency found by name in the region)."""
    from tasks.models import Project

    client = login(world.users.office)
    page = client.get(reverse("plans:import_review", args=[boxed_import.pk])).content.decode()
    assert 'name="a0-t0-p0-agency"' in page and 'name="a0-t0-p0-start_year"' in page
    data = fields("a0-t0-p0", start_year="2025", year="2027", agency=world.other.name)
    response = client.post(reverse("plans:import_review", args=[boxed_import.pk]), data)
    assert response.status_code == 302
    boxed_import.refresh_from_db()
    first = boxed_import.parsed["actions"][0]["tasks"][0]["projects"][0]
    assert (first["start_year"], first["year"], first["agency"]) == (2025, 2027, world.other.name)
    # Corrected again: the new values replace the old ones.
    data = fields("a0-t0-p0", start_year="2026", agency="")
    client.post(reverse("plans:import_review", args=[boxed_import.pk]), data)
    boxed_import.refresh_from_db()
    first = boxed_import.parsed["actions"][0]["tasks"][0]["projects"][0]
    assert (first["start_year"], first["year"], first.get("agency")) == (2026, 2027, None)
    client.post(
        reverse("plans:import_review", args=[boxed_import.pk]), fields("a0-t0-p0", agency=world.other.name)
    )
    # The county has this plan already: the import goes in as its revision.
    PlanImport.objects.filter(pk=boxed_import.pk).update(replaces=world.plan_a)
    assert client.post(reverse("plans:import_commit", args=[boxed_import.pk])).status_code == 302
    project = Project.objects.get(name="红石风电场")
    assert (project.planned_start.year, project.planned_finish.year, project.agency) == (
        2026,
        2027,
        world.other,
    )


def test_a_capacity_without_its_unit_is_refused_and_nothing_is_lost(world, login, boxed_import):
    client = login(world.users.office)
    response = client.post(
        reverse("plans:import_review", args=[boxed_import.pk]),
        {**fields("a0-t0-p0", capacity="6", unit=""), **fields("a0-t0-p1", name="改名的电站")},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "填写了规模时须写明单位" in page
    assert 'value="改名的电站"' in page  # what the office typed stays on the page
    boxed_import.refresh_from_db()
    assert boxed_import.parsed["actions"][0]["tasks"][0]["projects"][1]["name"] == "甲县抽水蓄能电站"
