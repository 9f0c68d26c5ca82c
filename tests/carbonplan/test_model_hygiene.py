"""Model rules that keep every query cheap and every allowed value in one place."""

import ast
from pathlib import Path

import pytest
from django.apps import apps

PROJECT_APPS = ["agencies", "plans", "tasks", "indicators", "reports"]
MODELS = [model for app in PROJECT_APPS for model in apps.get_app_config(app).get_models()]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_plain_list_of_a_model_reads_its_own_table_only(model):
    sql = str(model.objects.all().query)
    assert "JOIN" not in sql, f"{model.__name__}'s default ordering joins another table: {sql}"


@pytest.mark.parametrize("app", PROJECT_APPS)
def test_models_know_nothing_of_the_access_rules(app):
    """Access sits above the models: a models module that imported it would tie every
    app into one import cycle again."""
    source = Path(apps.get_app_config(app).path, "models.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert not {name for name in imported if name.endswith("access")}
