"""Model rules that keep every query cheap and every allowed value in one place."""

import pytest
from django.apps import apps

PROJECT_APPS = ["agencies", "plans", "tasks", "indicators", "reports"]
MODELS = [model for app in PROJECT_APPS for model in apps.get_app_config(app).get_models()]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_plain_list_of_a_model_reads_its_own_table_only(model):
    sql = str(model.objects.all().query)
    assert "JOIN" not in sql, f"{model.__name__}'s default ordering joins another table: {sql}"
