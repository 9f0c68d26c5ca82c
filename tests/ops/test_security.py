"""Production settings, login throttling, cookies, CSRF and password rules."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"
TOKEN = "/api/auth/token/"
CONFIG_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    # Set for the browser tests' live server; a deployment never has it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "carbon.example.gov.cn",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "true",
}


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE="carbonplan.settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


# --- production settings ---------------------------------------------------------------


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_names_what_a_plain_http_production_setup_is_missing():
    env = {k: v for k, v in PRODUCTION.items() if not k.startswith("SECURE_")}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "security.W004" in output  # HSTS
    assert "security.W008" in output  # SSL redirect


PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in (
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS",
)}))
"""


def probe(**env):
    import json

    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE="carbonplan.settings")
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_cookies_are_secure_whenever_debug_is_off_and_can_be_relaxed_only_explicitly():
    prod = probe(DEBUG="false", SECRET_KEY="k" * 60)
    assert prod["SESSION_COOKIE_SECURE"] is True and prod["CSRF_COOKIE_SECURE"] is True
    assert prod["SESSION_COOKIE_HTTPONLY"] is True
    assert prod["X_FRAME_OPTIONS"] == "DENY" and prod["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    local = probe()
    assert local["SESSION_COOKIE_SECURE"] is False
    tls = probe(**PRODUCTION)
    assert tls["SECURE_SSL_REDIRECT"] is True
    assert tls["SECURE_HSTS_SECONDS"] == 31536000 and tls["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True


@pytest.fixture
def owner(db):
    from tests import factories as f

    return f.UserFactory(username="owner")


def test_the_session_and_csrf_cookies_carry_the_secure_flag_in_production(settings, owner):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = Client()
    client.get(LOGIN)
    assert client.cookies["csrftoken"]["secure"] is True
    response = client.post(LOGIN, {"username": "owner", "password": "carbonplan"}, secure=True)
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True and session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_https_redirect_and_hsts_header_when_configured(settings, owner):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    client = Client()
    plain = client.get(LOGIN)
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    tls = client.get(LOGIN, secure=True)
    assert tls.status_code == 200
    assert tls["Strict-Transport-Security"].startswith("max-age=31536000")


# --- CSRF ------------------------------------------------------------------------------


def test_the_login_form_refuses_a_post_without_the_csrf_token(owner):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "owner", "password": "carbonplan"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_login_form_accepts_the_token_it_handed_out(owner):
    client = Client(enforce_csrf_checks=True)
    client.get(LOGIN)
    token = client.cookies["csrftoken"].value
    response = client.post(
        LOGIN, {"username": "owner", "password": "carbonplan", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_a_logged_in_form_post_without_csrf_token_changes_nothing(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "carbonplan",
            "new_password1": "Tanpaifang#2026",
            "new_password2": "Tanpaifang#2026",
        },
    )
    assert response.status_code == 403
    owner.refresh_from_db()
    assert owner.check_password("carbonplan")


# --- password rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "new_password, message",
    [
        ("Ab1!xyz", "密码太短，至少需要 10 个字符"),
        ("73920184657", "密码只包含数字"),
        ("password123", "这个密码太常见了"),
    ],
)
def test_a_weak_new_password_is_refused_with_a_chinese_reason(owner, new_password, message):
    client = Client()
    client.force_login(owner)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": "carbonplan", "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password("carbonplan")


def test_a_strong_new_password_is_accepted(owner):
    client = Client()
    client.force_login(owner)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "carbonplan",
            "new_password1": "Tanpaifang#2026",
            "new_password2": "Tanpaifang#2026",
        },
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("Tanpaifang#2026")


# --- login throttling --------------------------------------------------------------------


def fail(client, username="owner", n=1):
    """n wrong passwords; the fifth one is answered with the lockout page."""
    for i in range(1, n + 1):
        response = client.post(LOGIN, {"username": username, "password": "wrong-password"})
        if i < 5:
            assert response.status_code == 200
            assert "用户名或密码不正确" in response.content.decode()
        else:
            assert response.status_code == 429


def test_five_failures_lock_the_username_from_that_address_out_even_with_the_right_password(owner):
    client = Client(REMOTE_ADDR="10.1.1.1")
    fail(client, n=4)
    response = client.post(LOGIN, {"username": "owner", "password": "wrong-password"})
    assert response.status_code == 429
    response = client.post(LOGIN, {"username": "owner", "password": "carbonplan"})
    assert response.status_code == 429
    body = response.content.decode()
    assert "账号已暂时锁定" in body and "15 分钟后再试" in body
    assert "_auth_user_id" not in client.session


def test_four_failures_then_the_right_password_logs_in_and_resets_the_count(owner):
    client = Client(REMOTE_ADDR="10.1.1.2")
    fail(client, n=4)
    assert client.post(LOGIN, {"username": "owner", "password": "carbonplan"}).status_code == 302
    client.logout()
    fail(client, n=4)
    assert client.post(LOGIN, {"username": "owner", "password": "carbonplan"}).status_code == 302


def test_the_lockout_is_per_username_and_address(owner):
    from tests import factories as f

    f.UserFactory(username="colleague")
    attacker = Client(REMOTE_ADDR="10.1.1.3")
    fail(attacker, n=5)
    # A colleague on the same office network still gets in, and so does the owner elsewhere.
    assert (
        Client(REMOTE_ADDR="10.1.1.3")
        .post(LOGIN, {"username": "colleague", "password": "carbonplan"})
        .status_code
        == 302
    )
    assert (
        Client(REMOTE_ADDR="10.9.9.9")
        .post(LOGIN, {"username": "owner", "password": "carbonplan"})
        .status_code
        == 302
    )


def test_the_lockout_ends_after_fifteen_minutes(owner):
    with time_machine.travel("2026-04-01 09:00 +0800", tick=False) as clock:
        client = Client(REMOTE_ADDR="10.1.1.4")
        fail(client, n=5)
        clock.shift(14 * 60)
        assert client.post(LOGIN, {"username": "owner", "password": "carbonplan"}).status_code == 429
        clock.shift(16 * 60)
        assert client.post(LOGIN, {"username": "owner", "password": "carbonplan"}).status_code == 302


def test_a_lockout_on_the_login_form_also_closes_the_api_token_endpoint(owner):
    fail(Client(REMOTE_ADDR="10.1.1.5"), n=5)
    response = Client(REMOTE_ADDR="10.1.1.5").post(TOKEN, {"username": "owner", "password": "carbonplan"})
    assert response.status_code in (400, 403, 429)
    assert "token" not in response.json()
    assert (
        Client(REMOTE_ADDR="10.1.1.6")
        .post(TOKEN, {"username": "owner", "password": "carbonplan"})
        .status_code
        == 200
    )


def test_failures_on_the_api_token_endpoint_count_towards_the_lockout(owner):
    api = Client(REMOTE_ADDR="10.1.1.7")
    for _ in range(5):
        assert api.post(TOKEN, {"username": "owner", "password": "wrong"}).status_code == 400
    assert api.post(TOKEN, {"username": "owner", "password": "carbonplan"}).status_code != 200
    assert (
        Client(REMOTE_ADDR="10.1.1.7")
        .post(LOGIN, {"username": "owner", "password": "carbonplan"})
        .status_code
        == 429
    )


def test_force_login_in_tests_and_login_without_a_request_are_not_throttled(owner):
    fail(Client(REMOTE_ADDR="127.0.0.1"), n=6)
    client = Client()
    client.force_login(owner)
    assert client.get("/").status_code == 200
    assert Client().login(username="owner", password="carbonplan") is True


def test_the_rate_limited_token_view_answers_429_after_ten_attempts_a_minute(owner, settings):
    cache.clear()
    settings.AXES_ENABLED = False  # isolate the rate limit from the lockout
    with time_machine.travel("2026-04-01 09:00 +0800", tick=False) as clock:
        api = Client(REMOTE_ADDR="10.2.2.2")
        for _ in range(10):
            assert api.post(TOKEN, {"username": "owner", "password": "carbonplan"}).status_code == 200
        refused = api.post(TOKEN, {"username": "owner", "password": "carbonplan"})
        assert refused.status_code == 429
        assert "请求已被限流" in refused.json()["detail"]
        # Other accounts from the same address are not slowed down by it.
        get_user_model().objects.create_user("colleague", password="carbonplan")
        assert api.post(TOKEN, {"username": "colleague", "password": "carbonplan"}).status_code == 200
        clock.shift(61)
        assert api.post(TOKEN, {"username": "owner", "password": "carbonplan"}).status_code == 200
    cache.clear()


def test_the_api_with_a_session_cookie_needs_the_csrf_token_but_a_token_client_does_not(owner):
    from rest_framework.authtoken.models import Token

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    refused = browser.post("/api/progress-reports/", {"progress_text": "x"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    token = Token.objects.create(user=owner).key
    scripted = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token}")
    # Past the CSRF check: refused for what it is (an incomplete report), not for CSRF.
    answered = scripted.post("/api/progress-reports/", {"progress_text": "x"})
    assert answered.status_code != 403 or "CSRF" not in answered.json().get("detail", "")
