import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tasks.models import Evidence, ProgressReport, ProgressReportVersion
from tasks.periods import period_close
from tasks.services import report_get_or_create, report_save_draft, report_submit
from tests import factories as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + b"\x00" * 40
BEFORE_DEADLINE = dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)


def form_url(world):
    return reverse("tasks:report_form", args=[world.task_a1.pk, world.period_a.pk])


def filled(**extra):
    data = {
        "version": "0",
        "status": "in_progress",
        "percent": "45",
        "progress_text": "完成光伏项目备案3个。",
        "problems": "",
        "next_steps": "推进并网。",
    }
    data.update(extra)
    return data


def the_report(world):
    return ProgressReport.objects.get(task=world.task_a1, agency=world.own, period=world.period_a)


def test_the_form_shows_indicator_unit_target_and_last_value(login, world):
    earlier = f.PeriodFactory(plan=world.plan_a, year=2025, quarter=4)
    f.IndicatorValueFactory(indicator=world.indicator_a, period=earlier, agency=world.own, value=12)
    body = login(world.users.owner).get(form_url(world)).content.decode()
    assert "新增公共充电桩" in body and "个" in body and "≥ 30" in body
    assert "12" in body and "2025年第四季度" in body
    assert f'name="ind_{world.indicator_a.pk}"' in body


def test_saving_the_form_creates_the_draft_with_its_indicator_value(login, world):
    client = login(world.users.owner)
    response = client.post(form_url(world), filled(**{f"ind_{world.indicator_a.pk}": "8", "action": "save"}))
    assert response.status_code == 302
    report = the_report(world)
    assert report.state == "draft" and report.progress_text == "完成光伏项目备案3个。"
    assert report.indicator_values.get().value == 8


def test_a_non_number_indicator_value_is_refused_and_the_text_is_kept(login, world):
    client = login(world.users.owner)
    response = client.post(
        form_url(world), filled(**{f"ind_{world.indicator_a.pk}": "八个", "action": "save"})
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "不是有效的数字" in body
    assert "完成光伏项目备案3个。" in body
    assert not ProgressReport.objects.filter(progress_text__startswith="完成").exists()


def test_a_value_moving_away_from_the_target_warns_but_saves(login, world):
    earlier = f.PeriodFactory(plan=world.plan_a, year=2025, quarter=4)
    f.IndicatorValueFactory(indicator=world.indicator_a, period=earlier, agency=world.own, value=20)
    client = login(world.users.owner)
    response = client.post(
        form_url(world), filled(**{f"ind_{world.indicator_a.pk}": "15", "action": "save"}), follow=True
    )
    assert "与目标方向相反" in response.content.decode()
    assert the_report(world).indicator_values.get().value == 15


@time_machine.travel(BEFORE_DEADLINE)
def test_submit_from_the_form_then_a_second_click_makes_one_submission(login, world):
    client = login(world.users.owner)
    client.post(form_url(world), filled(action="submit"))
    report = the_report(world)
    assert report.state == "submitted"
    response = client.post(form_url(world), filled(action="submit"), follow=True)
    assert "无需重复提交" in response.content.decode()
    assert ProgressReportVersion.objects.filter(report=report, event="submitted").count() == 1


def test_submit_without_required_fields_lists_them_and_keeps_the_draft(login, world):
    client = login(world.users.owner)
    response = client.post(form_url(world), filled(status="", progress_text="", action="submit"))
    assert response.status_code == 400
    assert "提交前请填写：推进状态、进展情况" in response.content.decode()
    report = the_report(world)
    assert report.state == "draft" and report.percent == 45


def test_two_tabs_saving_the_same_draft_the_second_is_told_and_shown_both_texts(login, world):
    report = report_get_or_create(
        task=world.task_a1, agency=world.own, period=world.period_a, by=world.users.owner
    )
    client = login(world.users.owner)
    tab1 = filled(version=str(report.version), progress_text="第一个窗口写的", action="save")
    tab2 = filled(version=str(report.version), progress_text="第二个窗口写的", action="save")
    assert client.post(form_url(world), tab1).status_code == 302
    response = client.post(form_url(world), tab2)
    assert response.status_code == 409
    body = response.content.decode()
    assert "请对照当前内容合并" in body
    assert "第一个窗口写的" in body and "第二个窗口写的" in body
    assert the_report(world).progress_text == "第一个窗口写的"
    # The re-rendered form carries the current version: saving the merge now works.
    current = the_report(world).version
    assert f'value="{current}"' in body
    merged = filled(version=str(current), progress_text="第一个窗口写的\n第二个窗口写的", action="save")
    assert client.post(form_url(world), merged).status_code == 302
    assert the_report(world).progress_text == "第一个窗口写的\n第二个窗口写的"


def test_autosave_saves_and_a_stale_autosave_gets_409_with_the_current_text(login, world):
    client = login(world.users.owner)
    url = reverse("tasks:report_autosave", args=[world.task_a1.pk, world.period_a.pk])
    first = client.post(url, {"version": 0, "progress_text": "自动保存"}, content_type="application/json")
    assert first.status_code == 200
    version = first.json()["version"]
    assert ":" in first.json()["saved_at"]
    ok = client.post(url, {"version": version, "progress_text": "自动保存2"}, content_type="application/json")
    assert ok.status_code == 200
    stale = client.post(url, {"version": version, "progress_text": "旧窗口"}, content_type="application/json")
    assert stale.status_code == 409
    assert stale.json()["current"]["progress_text"] == "自动保存2"
    assert client.post(url, "not json", content_type="application/json").status_code == 400


def test_a_closed_period_refuses_the_form_with_a_clear_message_and_keeps_the_text(login, world):
    period_close(period=world.period_a, by=world.users.office)
    client = login(world.users.owner)
    response = client.post(form_url(world), filled(action="save"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "填报已关闭" in body and "完成光伏项目备案3个。" in body
    assert not ProgressReport.objects.exists()


def test_user_text_is_escaped(login, world):
    client = login(world.users.owner)
    client.post(form_url(world), filled(progress_text="<script>alert(1)</script>", action="save"))
    report = the_report(world)
    login(world.users.office)
    body = client.get(reverse("tasks:report_detail", args=[report.pk])).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def upload(client, world, name, content):
    url = reverse("tasks:evidence_upload", args=[world.task_a1.pk, world.period_a.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)}, follow=True)


def test_a_real_pdf_is_stored_outside_static_and_read_back(login, world, settings):
    client = login(world.users.owner)
    response = upload(client, world, "验收报告.pdf", PDF)
    assert "已上传佐证材料" in response.content.decode()
    evidence = Evidence.objects.get()
    assert evidence.original_name == "验收报告.pdf"
    assert str(settings.MEDIA_ROOT) in evidence.file.path
    with open(evidence.file.path, "rb") as fh:
        assert fh.read() == PDF


def test_an_exe_renamed_pdf_is_refused(login, world):
    response = upload(login(world.users.owner), world, "报告.pdf", EXE)
    assert "内容与扩展名不符" in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_png_renamed_docx_is_refused(login, world):
    response = upload(login(world.users.owner), world, "报告.docx", PNG)
    assert "内容与扩展名不符" in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_disallowed_type_is_refused(login, world):
    response = upload(login(world.users.owner), world, "setup.exe", EXE)
    assert "类型不允许" in response.content.decode()


def test_an_oversized_file_is_refused_with_the_limit(login, world, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    response = upload(login(world.users.owner), world, "大文件.pdf", PDF + b"0" * 2048)
    assert "超过了 1.0" in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_real_docx_is_accepted(login, world):
    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    upload(login(world.users.owner), world, "说明.docx", buffer.getvalue())
    assert Evidence.objects.get().content_type.endswith("wordprocessingml.document")


@time_machine.travel(BEFORE_DEADLINE)
def test_the_lead_sees_supporters_reports_and_who_has_not_reported(login, world):
    third = f.AgencyFactory(region=world.county_a, name="县林业局")
    f.AssignmentFactory(task=world.task_a1, agency=third, role="support")
    supporter = report_get_or_create(task=world.task_a1, agency=world.other, period=world.period_a, by=None)
    report_save_draft(
        report=supporter,
        data={"progress_text": "配合完成充电桩选址"},  # an input: progress alone
        by=world.users.other_agency,
        base_version=supporter.version,
    )
    report_submit(report=supporter, by=world.users.other_agency)
    body = login(world.users.owner).get(form_url(world)).content.decode()
    assert "配合完成充电桩选址" in body
    assert "尚未报送" in body and "县林业局" in body
    own = report_get_or_create(task=world.task_a1, agency=world.own, period=world.period_a, by=None)
    body = login(world.users.office).get(reverse("tasks:report_detail", args=[own.pk])).content.decode()
    assert "配合完成充电桩选址" in body and "县林业局" in body


def test_the_history_page_lists_each_version_with_who_and_what(login, world):
    report = report_get_or_create(task=world.task_a1, agency=world.own, period=world.period_a, by=None)
    report_save_draft(report=report, data={"progress_text": "一"}, by=world.users.owner, base_version=1)
    report_save_draft(report=report, data={"percent": "10"}, by=world.users.colleague, base_version=2)
    body = login(world.users.office).get(reverse("tasks:report_history", args=[report.pk])).content.decode()
    assert "owner" in body and "colleague" in body
    assert "进展情况" in body and "完成进度（%）" in body


def test_the_history_page_shows_versions_written_without_a_user(login, world):
    report = f.ReportFactory(task=world.task_a1, agency=world.own, period=world.period_a)
    ProgressReportVersion.objects.create(
        report=report, number=1, event="saved", state="draft", snapshot={}, by=None
    )
    response = login(world.users.owner).get(reverse("tasks:report_history", args=[report.pk]))
    assert response.status_code == 200
    assert "保存草稿" in response.content.decode()


def _many_reports(world, n):
    start = world.action_a.tasks.count() + 100
    for i in range(n):
        task = f.TaskFactory(action=world.action_a, seq=start + i)
        f.AssignmentFactory(task=task, agency=world.own, role="lead")
        report = ProgressReport.objects.create(
            task=task,
            agency=world.own,
            period=world.period_a,
            state="submitted",
            status="in_progress",
            percent=10,
            progress_text="x",
        )
        assert report.pk


def test_the_agency_home_query_count_does_not_grow_with_tasks(login, world, django_assert_max_num_queries):
    client = login(world.users.owner)
    _many_reports(world, 3)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("tasks:agency_home"))
    _many_reports_more = 15
    for i in range(_many_reports_more):
        task = f.TaskFactory(action=world.action_a, seq=200 + i)
        f.AssignmentFactory(task=task, agency=world.own, role="support")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("tasks:agency_home"))
    assert response.context["page"].paginator.count == 19


def test_the_review_page_query_count_does_not_grow_with_reports(login, world, django_assert_max_num_queries):
    client = login(world.users.office)
    _many_reports(world, 3)
    url = reverse("tasks:review") + f"?plan={world.plan_a.pk}"
    with django_assert_max_num_queries(14) as small:
        client.get(url)
    _many_reports(world, 25)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["counts"]["submitted"] == 28
    assert len(response.context["page"].object_list) == 20


def test_the_review_page_counts_and_filters_by_state(login, world):
    _many_reports(world, 2)
    client = login(world.users.office)
    response = client.get(reverse("tasks:review") + f"?plan={world.plan_a.pk}&state=approved")
    assert list(response.context["page"].object_list) == []
    assert response.context["counts"]["submitted"] == 2
    # The world's two lead assignments: the supporter's input goes to its lead.
    assert response.context["counts"]["missing"] == 2
    world.plan_a.review_mode = "office_reviews_all"
    world.plan_a.save()
    response = client.get(reverse("tasks:review") + f"?plan={world.plan_a.pk}&state=approved")
    assert response.context["counts"]["missing"] == 3  # all three assignments


def test_the_office_moves_the_deadline_and_reopens_for_one_agency(login, world):
    client = login(world.users.office)
    url = reverse("tasks:period_settings", args=[world.period_a.pk])
    # Browsers only fill a date input from an ISO date.
    assert 'value="2026-04-10"' in client.get(url).content.decode()
    client.post(url, {"action": "dates", "opens_on": "2026-03-16", "deadline": "2026-04-20"})
    world.period_a.refresh_from_db()
    assert world.period_a.deadline == dt.date(2026, 4, 20)
    client.post(url, {"action": "close"})
    world.period_a.refresh_from_db()
    assert world.period_a.is_closed
    client.post(
        url, {"action": "reopen", "agency": world.own.pk, "until": "2099-01-01", "reason": "系统故障"}
    )
    assert world.period_a.reopenings.get().agency == world.own
    response = login(world.users.owner).post(form_url(world), filled(action="save"))
    assert response.status_code == 302


def test_notifications_page_lists_and_marks_read(login, world):
    from agencies.notifications import notify

    notify(users=[world.users.owner], kind="x", title="测试通知<b>", body="内容")
    client = login(world.users.owner)
    body = client.get(reverse("tasks:notifications")).content.decode()
    assert "测试通知&lt;b&gt;" in body
    client.post(reverse("tasks:notifications"))
    assert world.users.owner.notifications.filter(read_at__isnull=True).count() == 0
    assert "测试通知" not in login(world.users.colleague).get(reverse("tasks:notifications")).content.decode()


def test_a_closed_quarter_hides_the_buttons_unless_reopened_for_the_agency(login, world):
    from tasks.periods import period_reopen_for_agency

    period_close(period=world.period_a, by=world.users.office)
    body = login(world.users.owner).get(form_url(world)).content.decode()
    assert "本季度填报已关闭" in body and "提交审核" not in body
    period_reopen_for_agency(
        period=world.period_a, agency=world.own, until=dt.date(2099, 1, 1), by=world.users.office
    )
    body = login(world.users.owner).get(form_url(world)).content.decode()
    assert "开放了补报" in body and "提交审核" in body
    body = login(world.users.other_agency).get(form_url(world)).content.decode()
    assert "本季度填报已关闭" in body


def test_autosave_returns_indicator_warnings(login, world):
    earlier = f.PeriodFactory(plan=world.plan_a, year=2025, quarter=4)
    f.IndicatorValueFactory(indicator=world.indicator_a, period=earlier, agency=world.own, value=20)
    url = reverse("tasks:report_autosave", args=[world.task_a1.pk, world.period_a.pk])
    response = login(world.users.owner).post(
        url, {"version": 0, "indicators": {str(world.indicator_a.pk): "5"}}, content_type="application/json"
    )
    assert response.status_code == 200
    assert any("与目标方向相反" in w for w in response.json()["warnings"])


def test_the_workbook_export_query_count_does_not_grow_with_tasks(
    login, world, django_assert_max_num_queries
):
    client = login(world.users.owner)
    url = reverse("tasks:workbook_download", args=[world.period_a.pk])
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    for i in range(15):
        task = f.TaskFactory(action=world.action_a, seq=300 + i)
        f.AssignmentFactory(task=task, agency=world.own, role="lead")
        f.IndicatorFactory(plan=world.plan_a, task=task)
        f.ReportFactory(task=task, agency=world.own, period=world.period_a)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


def test_an_autosave_from_a_page_opened_before_another_tab_saved_first_is_a_409(login, world):
    client = login(world.users.owner)
    url = reverse("tasks:report_autosave", args=[world.task_a1.pk, world.period_a.pk])
    # Both tabs were opened while there was no report: their copies carry version 0.
    first = client.post(url, {"version": 0, "progress_text": "第一个窗口"}, content_type="application/json")
    assert first.status_code == 200
    second = client.post(url, {"version": 0, "progress_text": "第二个窗口"}, content_type="application/json")
    assert second.status_code == 409
    assert second.json()["current"]["progress_text"] == "第一个窗口"
    assert the_report(world).progress_text == "第一个窗口"


def test_a_page_opened_before_an_empty_draft_was_created_still_saves(login, world):
    # Uploading evidence in another tab creates the report without content (version 1).
    report_get_or_create(task=world.task_a1, agency=world.own, period=world.period_a, by=world.users.owner)
    client = login(world.users.owner)
    assert client.post(form_url(world), filled(version="0", action="save")).status_code == 302
    assert the_report(world).progress_text == "完成光伏项目备案3个。"
