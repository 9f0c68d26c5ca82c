import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import Agency, AuditEntry, Role
from plans.models import Plan, PlanImport
from tasks.models import Task

from .docs import BAD_INPUTS, SMALL_PLAN, YUEYANG, text_docx

pytestmark = pytest.mark.django_db

LIST = reverse("plans:import_list")


def upload(client, name, data, **extra):
    return client.post(LIST, {"file": SimpleUploadedFile(name, data), **extra})


def review_url(plan_import):
    return reverse("plans:import_review", args=[plan_import.pk])


@pytest.fixture
def jia_import(world, login):
    """The office of plan A uploaded a small plan for its own county."""
    client = login(world.users.office)
    response = upload(client, "jia.txt", SMALL_PLAN.encode("utf-8"), region=world.county_a.pk)
    plan_import = PlanImport.objects.get()
    assert response.status_code == 302 and response["Location"] == review_url(plan_import)
    return plan_import


# --- access ------------------------------------------------------------------------------
@pytest.mark.parametrize("who,status", [("owner", 404), ("other_agency", 404), ("leader", 403)])
def test_users_who_are_no_office_are_refused_the_import_page(world, login, who, status):
    client = login(getattr(world.users, who))
    assert client.get(LIST).status_code == status
    assert upload(client, "jia.txt", SMALL_PLAN.encode()).status_code == status
    assert PlanImport.objects.count() == 0


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "who,status", [("office", 200), ("admin", 200), ("other_office", 404), ("owner", 404), ("leader", 403)]
)
def test_the_review_page_is_for_the_office_of_the_region(world, login, jia_import, who, status):
    client = login(getattr(world.users, who))
    assert client.get(review_url(jia_import)).status_code == status
    commit = client.post(reverse("plans:import_commit", args=[jia_import.pk]))
    if status != 200:
        assert commit.status_code == status
        assert Plan.objects.filter(title="甲县碳达峰实施方案").count() == 1  # only plan A from the fixture


def test_an_office_cannot_import_into_a_region_it_does_not_serve(world, login):
    client = login(world.users.office)
    response = upload(client, "jia.txt", SMALL_PLAN.encode(), region=world.county_b.pk)
    assert response.status_code == 200
    assert "region" in response.context["form"].errors
    assert PlanImport.objects.count() == 0


def test_the_nav_shows_plan_import_to_the_office_only(world, login):
    assert "方案导入" in login(world.users.office).get("/").content.decode()
    assert "方案导入" not in login(world.users.owner).get("/").content.decode()


# --- upload and review -------------------------------------------------------------------
def test_upload_shows_the_breakdown_beside_the_source_with_warnings(world, login, jia_import):
    client = login(world.users.office)
    response = client.get(review_url(jia_import))
    page = response.content.decode()
    assert jia_import.region == world.county_a
    assert "大力发展新能源" in page and "推广绿色建筑" in page
    assert 'id="source-text"' in page and "加强组织领导" in page
    # The lead of 推广绿色建筑 is inferred; 县自然资源局 is unknown in the county.
    codes = [w["code"] for w in response.context["warnings"]]
    assert "lead_inferred" in codes and "agency_unknown" in codes
    assert "牵头推定" in page
    statuses = {
        name: info["status"] for name, _role, info in response.context["actions"][0]["tasks"][0]["agencies"]
    }
    assert statuses["县发改局"] == "known" and statuses["县自然资源局"] == "unknown"
    row = response.context["actions"][0]["tasks"][0]
    start, end = row["span"]
    assert SMALL_PLAN[start:end].startswith("1．大力发展新能源") or "大力发展新能源" in SMALL_PLAN[start:end]


def test_unknown_agencies_get_alias_suggestions(world, login):
    Agency.objects.create(region=world.county_a, name="县林业和绿化局")
    client = login(world.users.office)
    text = SMALL_PLAN.replace("县自然资源局", "县林业局").replace("县发改局牵头", "县发展改革局牵头")
    upload(client, "jia.txt", text.encode(), region=world.county_a.pk)
    response = client.get(review_url(PlanImport.objects.get()))
    matching = {}
    for action in response.context["actions"]:
        for task in action["tasks"]:
            matching.update({name: info for name, _role, info in task["agencies"]})
    # 县发展改革局 folds onto 县发改局 (alias 县发展和改革局) without asking.
    assert matching["县发展改革局"]["status"] == "alias" and matching["县发展改革局"]["agency"] == world.own
    # 县林业局 is unknown, but reads as a short form of 县林业和绿化局: offered, not assumed.
    assert matching["县林业局"]["status"] == "unknown"
    form = response.context["commit_form"]
    labels = {field.label: [c[1] for c in field.field.choices] for field in form}
    assert labels["县林业局"] == ["即“县林业和绿化局”（记为别名）", "新建单位“县林业局”"]
    assert "可能是 县林业和绿化局" in response.content.decode()


def test_docx_upload_is_parsed(world, login):
    client = login(world.users.office)
    upload(client, "jia.docx", text_docx(SMALL_PLAN), region=world.county_a.pk)
    plan_import = PlanImport.objects.get()
    assert plan_import.state == "parsed"
    assert [t["title"] for a in plan_import.parsed["actions"] for t in a["tasks"]][0] == "大力发展新能源"


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_documents_are_kept_as_failed_imports_with_the_reason(world, login, name):
    client = login(world.users.office)
    response = upload(client, name, BAD_INPUTS[name]() or b" ", region=world.county_a.pk)
    plan_import = PlanImport.objects.get()
    assert plan_import.state == "failed" and plan_import.error
    page = client.get(response["Location"]).content.decode()
    assert "无法解析该文件" in page and plan_import.error.split("，")[0] in page
    assert Plan.objects.count() == 2 and Task.objects.count() == 3
    assert client.post(reverse("plans:import_commit", args=[plan_import.pk])).status_code == 302
    assert Plan.objects.count() == 2


def test_an_empty_file_or_a_wrong_type_is_refused_by_the_form(world, login):
    client = login(world.users.office)
    assert "空文件" in "".join(
        upload(client, "a.txt", b"", region=world.county_a.pk).context["form"].errors["file"]
    )
    response = upload(client, "a.png", b"\x89PNG\r\n\x1a\n", region=world.county_a.pk)
    assert ".docx" in "".join(response.context["form"].errors["file"])
    assert PlanImport.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(world, login, settings):
    settings.PLAN_UPLOAD_MAX_BYTES = 1024
    client = login(world.users.office)
    response = upload(client, "big.txt", SMALL_PLAN.encode() * 5, region=world.county_a.pk)
    assert "文件过大" in "".join(response.context["form"].errors["file"])
    assert PlanImport.objects.count() == 0


# --- corrections -------------------------------------------------------------------------
def test_corrections_are_saved_after_server_side_validation(world, login, jia_import):
    client = login(world.users.office)
    response = client.post(
        review_url(jia_import),
        {
            "a0-t0-title": "大力发展风电和光伏",
            "a0-t0-lead": "县发改局",
            "a0-t0-support": "县自然资源局、县住建局",
            "a0-t0-i0-name": "新能源装机容量",
            "a0-t0-i0-comparator": ">=",
            "a0-t0-i0-target": "140",
            "a0-t0-i0-unit": "万千瓦",
            "a0-t0-i0-year": "2025",
            "a0-t1-delete": "1",
        },
    )
    assert response.status_code == 302
    jia_import.refresh_from_db()
    first = jia_import.parsed["actions"][0]["tasks"]
    assert first[0]["title"] == "大力发展风电和光伏"
    assert first[0]["indicators"][0]["target"] == 140
    assert [t["title"] for t in first] == ["大力发展风电和光伏"]
    assert AuditEntry.objects.filter(action="plan_import.edit").count() == 1


def test_invalid_corrections_are_shown_with_their_row_and_nothing_is_saved(world, login, jia_import):
    client = login(world.users.office)
    before = jia_import.parsed
    response = client.post(
        review_url(jia_import),
        {
            "a0-t0-title": "",
            "a0-t1-lead": "",
            "a0-t0-i0-name": "装机",
            "a0-t0-i0-target": "很多",
            "a0-t0-i0-year": "25",
            "a1-new-title": "推广超低能耗建筑",
            "a0-t0-i-new-name": "风电装机",
            "a0-t0-i-new-target": "二十",
        },
    )
    assert response.status_code == 400
    errors = response.context["errors"]
    assert "任务1.1 重点任务：不能为空" in errors
    assert "任务1.2 牵头单位：不能为空" in errors
    assert "任务1.1 指标1 目标值：“很多”不是数字" in errors
    assert "任务1.1 指标1 目标年份：应为 1990–2100 之间的年份" in errors
    # Rows added by hand are checked the same way.
    assert "第2个重点行动 新增任务 牵头单位：不能为空" in errors
    assert "任务1.1 新增指标 目标值：“二十”不是数字" in errors
    # What the office typed comes back in its fields, each error beside its field.
    page = response.content.decode()
    for value in ("装机", "很多", "25", "推广超低能耗建筑", "风电装机", "二十"):
        assert f'value="{value}"' in page
    assert page.count('class="field-error error"') == len(errors) == 6
    assert '<details class="add-form" open>' in page
    jia_import.refresh_from_db()
    assert jia_import.parsed == before


def test_user_text_is_escaped_on_the_review_page(world, login, jia_import):
    client = login(world.users.office)
    client.post(
        review_url(jia_import), {"a0-t0-title": "<script>alert(1)</script>", "a0-t0-lead": "县发改局"}
    )
    page = client.get(review_url(jia_import)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- commit ------------------------------------------------------------------------------
def test_commit_creates_the_plan_in_one_go_with_an_audit_entry(world, login, jia_import):
    client = login(world.users.office)
    response = client.post(reverse("plans:import_commit", args=[jia_import.pk]))
    jia_import.refresh_from_db()
    plan = jia_import.plan
    assert response.status_code == 302 and response["Location"] == reverse("plans:detail", args=[plan.pk])
    assert jia_import.state == "committed" and jia_import.committed_at
    assert plan.region == world.county_a and plan.source_text.startswith("甲县")
    assert Task.objects.filter(action__plan=plan).count() == 3
    assert plan.actions.first().tasks.first().span_start is not None
    # 县发改局 is the county's existing agency, not a duplicate.
    assert Agency.objects.filter(region=world.county_a, name="县发改局").count() == 1
    assert AuditEntry.objects.filter(action="plan_import.commit", plan=plan).exists()
    # The office of plan A was not the office of the county: it becomes the new plan's office.
    assert Role.objects.filter(user=world.users.office, kind="office", plan=plan).exists()
    assert client.get(reverse("plans:detail", args=[plan.pk])).status_code == 200
    # A committed import cannot be committed twice.
    client.post(reverse("plans:import_commit", args=[jia_import.pk]))
    assert Plan.objects.filter(region=world.county_a).count() == 2


def test_commit_records_confirmed_aliases(world, login):
    planning = Agency.objects.create(region=world.county_a, name="县林业和绿化局")
    client = login(world.users.office)
    upload(
        client, "jia.txt", SMALL_PLAN.replace("县自然资源局", "县林业局").encode(), region=world.county_a.pk
    )
    plan_import = PlanImport.objects.get()
    form = client.get(review_url(plan_import)).context["commit_form"]
    field = next(name for name, (doc_name, _) in form.names.items() if doc_name == "县林业局")
    client.post(reverse("plans:import_commit", args=[plan_import.pk]), {field: str(planning.pk)})
    planning.refresh_from_db()
    assert "县林业局" in planning.aliases
    assert not Agency.objects.filter(region=world.county_a, name="县林业局").exists()
    task = Task.objects.get(action__plan=PlanImport.objects.get().plan, title="大力发展新能源")
    assert planning.pk in set(task.assignments.values_list("agency_id", flat=True))


def test_discarding_an_import_keeps_the_record(world, login, jia_import):
    client = login(world.users.office)
    client.post(reverse("plans:import_discard", args=[jia_import.pk]))
    jia_import.refresh_from_db()
    assert jia_import.state == "discarded"
    assert client.post(reverse("plans:import_commit", args=[jia_import.pk])).status_code == 302
    assert Plan.objects.count() == 2


def test_an_import_without_a_region_asks_for_one(world, login):
    client = login(world.users.office)
    upload(client, "plan.txt", SMALL_PLAN.replace("甲县碳达峰", "丙县碳达峰").encode())
    plan_import = PlanImport.objects.get()
    assert plan_import.region is None
    page = client.get(review_url(plan_import)).content.decode()
    assert "未选择地区" in page
    client.post(reverse("plans:import_commit", args=[plan_import.pk]))
    assert PlanImport.objects.get().state == "parsed"
    client.post(reverse("plans:import_region", args=[plan_import.pk]), {"region": world.county_a.pk})
    assert PlanImport.objects.get().region == world.county_a


# --- query counts ------------------------------------------------------------------------
def test_the_import_list_runs_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    client = login(world.users.office)
    for n in range(2):
        upload(client, f"jia{n}.txt", SMALL_PLAN.encode(), region=world.county_a.pk)
    with django_assert_max_num_queries(12) as few:
        assert client.get(LIST).status_code == 200
    baseline = len(few)
    for n in range(8):
        upload(client, f"more{n}.txt", SMALL_PLAN.encode(), region=world.county_a.pk)
    with django_assert_max_num_queries(baseline):
        response = client.get(LIST)
    assert len(response.context["imports"]) == 10


def test_the_review_page_runs_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    client = login(world.users.office)
    upload(client, "jia.txt", SMALL_PLAN.encode(), region=world.county_a.pk)
    with django_assert_max_num_queries(14) as small:
        client.get(review_url(PlanImport.objects.get()))
    baseline = len(small)
    big = YUEYANG.read_bytes()
    upload(client, "yueyang.txt", big, region=world.county_a.pk)
    with django_assert_max_num_queries(baseline):
        response = client.get(review_url(PlanImport.objects.latest("pk")))
    assert len(response.context["actions"]) > 5


def test_the_plan_detail_offers_the_office_its_buttons(world, login):
    url = reverse("plans:detail", args=[world.plan_a.pk])
    page = login(world.users.office).get(url).content.decode()
    assert reverse("plans:breakdown_xlsx", args=[world.plan_a.pk]) in page and "导入修订版" in page
    assert "导出任务分解表" not in login(world.users.leader).get(url).content.decode()


def test_one_agency_written_two_ways_in_a_document_is_flagged(world, login):
    text = SMALL_PLAN.replace("县交通运输局牵头，县发改局配合", "县交通运输局牵头，县发展和改革局配合")
    client = login(world.users.office)
    upload(client, "jia.txt", text.encode(), region=world.county_a.pk)
    warnings = client.get(review_url(PlanImport.objects.get())).context["warnings"]
    variants = [w["message"] for w in warnings if w["code"] == "agency_variant"]
    assert sorted(variants) == [
        "文件中“县住建局”与“县住房和城乡建设局”可能是同一单位，请统一写法。",
        "文件中“县发改局”与“县发展和改革局”可能是同一单位，请统一写法。",
    ]


def test_a_city_office_imports_for_the_counties_below_it(world, login):
    from tests import factories as f

    city = f.RegionFactory(name="丙市", level="city")
    county = f.RegionFactory(name="丁县", parent=city)
    user = f.UserFactory(username="city_office")
    f.role(user, "office", region=city)
    client = login(user)
    response = upload(client, "ding.txt", SMALL_PLAN.replace("甲县", "丁县").encode())
    plan_import = PlanImport.objects.get()
    assert plan_import.region == county  # found by the name the document gives
    client.post(reverse("plans:import_commit", args=[plan_import.pk]))
    plan = PlanImport.objects.get().plan
    assert plan.region == county
    # The city office sees the plan through its region: no extra role is needed.
    assert not Role.objects.filter(user=user, plan=plan).exists()
    assert client.get(reverse("plans:detail", args=[plan.pk])).status_code == 200
    assert login(world.users.office).get(response["Location"]).status_code == 404


def test_an_indicator_in_doubt_stays_flagged_until_corrected_or_confirmed(world, login):
    client = login(world.users.office)
    upload(client, "yueyang.txt", YUEYANG.read_bytes(), region=world.county_a.pk)
    plan_import = PlanImport.objects.get()
    doubtful = [
        (a, t, k)
        for a, action in enumerate(plan_import.parsed["actions"])
        for t, task in enumerate(action["tasks"])
        for k, ind in enumerate(task["indicators"])
        if ind.get("review")
    ]
    assert len(doubtful) >= 2
    page = client.get(review_url(plan_import))
    fields = {}
    for action in page.context["actions"]:
        for task in action["tasks"]:
            for prefix, ind, _text in task["indicators"]:
                fields.update(
                    {
                        prefix + "name": ind["name"], prefix + "unit": ind.get("unit") or "",
                        prefix + "target": "" if ind.get("target") is None else str(ind["target"]),
                        prefix + "target_max": "" if ind.get("target_max") is None else str(ind["target_max"]),
                        prefix + "comparator": ind.get("comparator") or ">=", prefix + "year": str(ind.get("year") or ""),
                    }
                )  # fmt: skip
    (a1, t1, k1), (a2, t2, k2) = doubtful[:2]
    fields[f"a{a1}-t{t1}-i{k1}-checked"] = "1"
    assert client.post(review_url(plan_import), fields).status_code == 302
    plan_import.refresh_from_db()
    tasks = [t for action in plan_import.parsed["actions"] for t in action["tasks"]]
    assert not plan_import.parsed["actions"][a1]["tasks"][t1]["indicators"][k1]["review"]
    assert plan_import.parsed["actions"][a2]["tasks"][t2]["indicators"][k2]["review"]
    assert sum(1 for t in tasks for i in t["indicators"] if i.get("review")) == len(doubtful) - 1


def test_an_alias_choice_outside_the_suggestions_commits_nothing(world, login):
    Agency.objects.create(region=world.county_a, name="县林业和绿化局")
    client = login(world.users.office)
    upload(
        client, "jia.txt", SMALL_PLAN.replace("县自然资源局", "县林业局").encode(), region=world.county_a.pk
    )
    plan_import = PlanImport.objects.get()
    form = client.get(review_url(plan_import)).context["commit_form"]
    field = next(iter(form.names))
    response = client.post(
        reverse("plans:import_commit", args=[plan_import.pk]), {field: str(world.stranger.pk)}, follow=True
    )
    assert "单位对应关系无效" in response.content.decode()
    assert PlanImport.objects.get().state == "parsed" and Plan.objects.count() == 2
    assert world.stranger.aliases == []
