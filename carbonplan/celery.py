import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carbonplan.settings")

app = Celery("carbonplan")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery jobs live in each app's jobs.py: "tasks" means plan tasks in this codebase.
app.autodiscover_tasks(related_name="jobs")


# --- PDF warm-up ---------------------------------------------------------------------------
# The first PDF of a process loads Pango, fontconfig and the CJK font: seconds that the
# first bulletin or briefing of every worker would otherwise pay. Each process that
# runs jobs renders a line of Chinese as it starts.
@signals.worker_process_init.connect
def warm_up_pdf_in_pool_process(**kwargs):
    """A prefork child before it takes its first job, or a solo worker as it starts."""
    from reports.pdf import warm_up

    warm_up()


@signals.worker_ready.connect
def warm_up_pdf_in_worker(sender=None, **kwargs):
    """Pools that run jobs in the worker process without sending worker_process_init
    (threads, gevent, eventlet); prefork children and solo workers warm up above."""
    from celery.concurrency.prefork import TaskPool as PreforkPool
    from celery.concurrency.solo import TaskPool as SoloPool

    pool = getattr(getattr(sender, "controller", None), "pool", None)
    if not isinstance(pool, PreforkPool | SoloPool):
        from reports.pdf import warm_up

        warm_up()
