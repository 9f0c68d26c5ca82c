import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carbonplan.settings")
application = get_wsgi_application()

# Each gunicorn worker imports this module after it forks: load WeasyPrint and the CJK
# font now rather than on the first leader's briefing.
from reports.pdf import warm_up  # noqa: E402

warm_up()

# What is loaded by now (Django, DRF, pandas, WeasyPrint…) lives as long as the process.
# Freezing it keeps the garbage collector's full passes from walking ~150k objects
# every few requests, which showed as 120–230 ms p95 spikes in `manage.py bench`.
gc.collect()
gc.freeze()
