import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_speaks_chinese_and_signs_in(world, page, live_server, login_as, screenshot):
    page.goto(f"{live_server.url}/")
    assert "登录" in page.content()
    login_as("office")
    assert "甲县碳达峰实施方案" in page.content()
    assert "乙县碳达峰实施方案" not in page.content()
    screenshot("home-office")
    assert page.console_errors == []


def test_language_switch_to_english(world, page, live_server, login_as):
    login_as("office")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert "Home" in page.content()
    assert "Sign out" in page.content()
