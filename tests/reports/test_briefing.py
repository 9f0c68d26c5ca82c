"""The leader's PDF briefing: read back with poppler (pdfinfo, pdffonts, pdftotext)."""

import subprocess

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from reports.briefing import BriefingExporter
from reports.models import TaskLight

from .test_dashboards import grow_plan


@pytest.fixture
def data(world):
    return world, grow_plan(world)


def briefing_url(world, period="2026Q1"):
    return f"/reports/plans/{world.plan_a.pk}/briefing.pdf?period={period}"


def poppler(tool, pdf_bytes, tmp_path, *args):
    path = tmp_path / "briefing.pdf"
    path.write_bytes(pdf_bytes)
    return subprocess.run([tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip


def test_briefing_is_an_a4_pdf_of_two_to_four_pages_with_the_cjk_font_embedded(data, login, tmp_path):
    world, _overall = data
    response = login(world.users.leader).get(briefing_url(world))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    info = poppler("pdfinfo", pdf, tmp_path)
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 2 <= pages <= 4
    assert "595.28 x 841.89 pts (A4)" in info or "(A4)" in info
    fonts = poppler("pdffonts", pdf, tmp_path)
    family = settings.PDF_FONT_FAMILY.replace(" ", "-")
    cjk = [line for line in fonts.splitlines() if family in line]
    assert cjk, fonts
    assert all(" yes yes yes " in line for line in cjk), fonts  # embedded, subset, unicode map


def test_briefing_text_has_the_big_numbers_red_list_and_indicators(data, login, tmp_path):
    world, overall = data
    pdf = login(world.users.office).get(briefing_url(world)).content
    text = poppler("pdftotext", pdf, tmp_path, "-layout")
    assert "碳达峰工作领导简报" in text
    assert world.plan_a.title in text
    assert f"{overall.completion:.1f}" in text
    assert "红灯任务" in text
    red = TaskLight.objects.filter(period=world.period_a, level="red").select_related("task", "task__action")
    for light in list(red)[:3]:
        assert light.task.title in text
    assert "指标10-0" in text and "新增公共充电桩" in text


def test_briefing_charts_are_vector_svg_not_raster_images(data):
    world, _overall = data
    html = BriefingExporter(plan=world.plan_a, period=world.period_a).html()
    assert html.count('src="data:image/svg+xml;base64,') >= 3
    assert "data:image/png" not in html


def test_exporter_returns_filename_mimetype_and_bytes(data):
    world, _overall = data
    filename, mimetype, content = BriefingExporter(plan=world.plan_a, period=world.period_a).export()
    assert filename == "甲县-领导简报-2026Q1.pdf"
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF")


def test_briefing_without_rollups_still_renders_with_the_hint(world, login, tmp_path):
    pdf = login(world.users.office).get(briefing_url(world)).content
    assert "审核通过后" in poppler("pdftotext", pdf, tmp_path)


def test_briefing_downloads_with_an_api_token(data, client):
    world, _overall = data
    token = Token.objects.create(user=world.users.leader)
    response = client.get(briefing_url(world), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert "filename*=utf-8''%E7%94%B2%E5%8E%BF-" in response["Content-Disposition"]


def test_a_wrong_token_gets_401_and_an_agencys_token_404(data, client):
    world, _overall = data
    assert client.get(briefing_url(world), HTTP_AUTHORIZATION="Token nope").status_code == 401
    token = Token.objects.create(user=world.users.owner)
    assert client.get(briefing_url(world), HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 404


def test_anonymous_briefing_request_goes_to_login(data, client):
    world, _overall = data
    response = client.get(briefing_url(world))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_quarter_is_refused_with_a_chinese_message(data, login):
    world, _overall = data
    response = login(world.users.leader).get(briefing_url(world, period="2026Q5"))
    assert response.status_code == 400
    assert "没有找到季度" in response.content.decode()


def test_a_large_plan_still_fits_in_four_pages(world, login, tmp_path):
    grow_plan(world, actions=14, tasks_per_action=6)
    pdf = login(world.users.leader).get(briefing_url(world)).content
    info = poppler("pdfinfo", pdf, tmp_path)
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 2 <= pages <= 4
    assert "详见工作看板" in poppler("pdftotext", pdf, tmp_path)


def test_briefing_query_count_is_pinned_and_the_same_at_ten_times_the_data(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    grow_plan(world, actions=1, tasks_per_action=3)
    with CaptureQueriesContext(connection) as small:
        BriefingExporter(plan=world.plan_a, period=world.period_a).html()
    grow_plan(world, actions=10, tasks_per_action=3, seq_start=100)
    with CaptureQueriesContext(connection) as large:
        BriefingExporter(plan=world.plan_a, period=world.period_a).html()
    sql = "\n".join(q["sql"] for q in large.captured_queries)
    # The stored indicator assessments: no values read, nothing assessed again; and the
    # stored key-project figures (one query).
    assert len(small.captured_queries) == len(large.captured_queries) == 8, sql
