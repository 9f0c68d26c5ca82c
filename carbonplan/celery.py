import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carbonplan.settings")

app = Celery("carbonplan")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery jobs live in each app's jobs.py: "tasks" means plan tasks in this codebase.
app.autodiscover_tasks(related_name="jobs")
