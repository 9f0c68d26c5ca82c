"""Configuration comes from the environment; nothing set means the embedded default."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
from django.conf import settings
django.setup()
from django.template import engines
loaders = engines["django"].engine.template_loaders
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "host": settings.DATABASES["default"].get("HOST"),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "debug": settings.DEBUG,
    "hosts": settings.ALLOWED_HOSTS,
    "tz": settings.TIME_ZONE,
    "lang": settings.LANGUAGE_CODE,
    "cache": settings.CACHES["default"]["BACKEND"],
    "loaders": [
        [type(l).__module__ + "." + type(l).__name__, [type(i).__module__ for i in getattr(l, "loaders", [])]]
        for l in loaders
    ],
}))
"""
CONFIG_VARS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS")


def settings_with(**env):
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE="carbonplan.settings")
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    return result


def test_nothing_set_means_sqlite_in_the_checkout_and_in_process_celery():
    result = settings_with()
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout)
    assert conf["engine"] == "carbonplan.sqlite3"
    assert conf["name"] == str(ROOT / "db.sqlite3")
    assert conf["eager"] is True
    assert conf["broker"] == "memory://"
    assert conf["tz"] == "Asia/Shanghai"
    assert conf["lang"] == "zh-hans"


def test_database_and_redis_urls_switch_to_postgresql_and_a_real_worker():
    result = settings_with(
        DATABASE_URL="postgres://cp:secret@db.internal:5432/carbonplan",
        REDIS_URL="redis://cache.internal:6379/0",
        SECRET_KEY="x" * 50,
        DEBUG="false",
        ALLOWED_HOSTS="carbon.example.gov.cn,10.0.0.5",
    )
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout)
    assert conf["engine"] == "django.db.backends.postgresql"
    assert conf["host"] == "db.internal"
    assert conf["eager"] is False
    assert conf["broker"] == "redis://cache.internal:6379/0"
    assert conf["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert conf["debug"] is False
    assert conf["hosts"] == ["carbon.example.gov.cn", "10.0.0.5"]
    # Templates are compiled once per process and kept (Django's cached loader, on
    # because TEMPLATES sets no loaders of its own).
    assert conf["loaders"] == [
        [
            "django.template.loaders.cached.Loader",
            ["django.template.loaders.filesystem", "django.template.loaders.app_directories"],
        ]
    ]


def test_production_refuses_to_start_without_a_secret_key():
    result = settings_with(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
