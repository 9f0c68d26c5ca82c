"""docker-compose.yml describes the production stack with the variables settings read."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def settings_variables():
    """Every variable name carbonplan/settings.py reads through its env helpers."""
    source = (ROOT / "carbonplan" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r'env(?:str|bool|int|list)\("([A-Z_]+)"', source))


def env_of(service):
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    anchors = service.get("x-env", {})
    return {**anchors, **env}


def test_compose_has_the_production_services_with_health_checks_and_volumes():
    spec = compose()
    services = spec["services"]
    assert set(services) >= {"web", "worker", "beat", "postgres", "redis"}
    for name in ("web", "postgres", "redis"):
        assert "healthcheck" in services[name], name
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert "gunicorn" in " ".join(services["web"]["command"]) and "carbonplan.wsgi" in " ".join(
        services["web"]["command"]
    )
    assert "worker" in services["worker"]["command"] and "-A" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    named = set(spec.get("volumes", {}))
    assert {"pgdata", "media"} <= named
    assert any(v.startswith("pgdata:") for v in services["postgres"]["volumes"])
    for name in ("web", "worker"):
        assert any(v.startswith("media:") for v in services[name]["volumes"]), name


def test_app_services_set_the_variables_settings_read_and_no_others():
    known = settings_variables()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"} <= known
    for name in APP_SERVICES:
        env = env_of(compose()["services"][name])
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"} <= set(env), name
        unknown = set(env) - known - {"DJANGO_SETTINGS_MODULE"}
        assert not unknown, f"{name} sets variables settings.py never reads: {unknown}"


def test_app_services_point_at_the_compose_database_and_broker():
    spec = compose()
    db = spec["services"]["postgres"]["environment"]
    for name in APP_SERVICES:
        env = env_of(spec["services"][name])
        assert env["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["DATABASE_URL"].rsplit("/", 1)[1] == db["POSTGRES_DB"]
        assert env["REDIS_URL"].startswith("redis://redis:6379")
        assert str(env["DEBUG"]).lower() == "false"
        depends = spec["services"][name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
