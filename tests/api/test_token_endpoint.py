"""POST /api/auth/token/ while Redis, which holds the rate-limit counts, is down."""

import logging

import pytest
from django.test import Client

from tests.ops.conftest import free_port

TOKEN = "/api/auth/token/"


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    }


@pytest.mark.django_db
def test_with_redis_down_the_token_endpoint_answers_and_logs_that_it_is_not_rate_limited(
    world, redis_down, caplog
):
    api = Client(REMOTE_ADDR="10.3.3.3", raise_request_exception=False)
    with caplog.at_level(logging.WARNING, logger="agencies.views"):
        right = api.post(TOKEN, {"username": "owner", "password": "carbonplan"})
        wrong = api.post(TOKEN, {"username": "owner", "password": "wrong"})
    assert right.status_code == 200
    assert len(right.json()["token"]) == 40
    assert wrong.status_code == 400
    assert "token" not in wrong.json()
    assert wrong.json()["errors"][0]["code"] == "authorization"
    assert "not rate limited: the cache is unavailable" in caplog.text


@pytest.mark.django_db
def test_with_redis_down_the_database_lockout_still_closes_a_brute_forced_account(world, redis_down):
    api = Client(REMOTE_ADDR="10.3.3.4", raise_request_exception=False)
    for _ in range(5):
        assert api.post(TOKEN, {"username": "owner", "password": "wrong"}).status_code == 400
    locked = api.post(TOKEN, {"username": "owner", "password": "carbonplan"})
    assert locked.status_code in (400, 403, 429)
    assert "token" not in locked.json()
