import importlib
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carbonplan.settings")

app = Celery("carbonplan")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery jobs live in each app's jobs.py: "tasks" means plan tasks in this codebase.
app.autodiscover_tasks(related_name="jobs")


def job(name: str):
    """The job registered as `name` ("reports.jobs.generate_bulletin": its module and
    function), for a service to queue it without importing the jobs module, which imports
    the service back to run it."""
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def route_jobs_to(queue: str):
    """Send this process's jobs to `queue` (a worker of its own listens there); Celery
    caches its router and queues, so those are dropped to take the new default."""
    app.conf.task_default_queue = queue
    for name in ("queues", "default_queue", "router"):
        app.amqp.__dict__.pop(name, None)


# --- PDF warm-up ---------------------------------------------------------------------------
# The first PDF of a process loads Pango, fontconfig and the CJK font: seconds that the
# first bulletin or briefing of every worker would otherwise pay. The worker's main process
# renders a line of Chinese before it starts its pool: solo and thread pools run jobs in
# that process, and prefork children are forked from it with everything already loaded.
# (Not in worker_process_init: a child that takes longer than worker_proc_alive_timeout to
# start is killed and replaced, over and over, on a busy machine.)
@signals.worker_init.connect
def warm_up_pdf_before_the_pool_starts(**kwargs):
    from reports.pdf import warm_up

    warm_up()
