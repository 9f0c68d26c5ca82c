from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("单位与人员")

    def ready(self):
        # A one-time password is noted in the session at login, so the first-login
        # check costs no query on later requests.
        from django.contrib.auth.signals import user_logged_in

        from .first_login import note_password_change_required

        user_logged_in.connect(note_password_change_required, dispatch_uid="carbonplan-first-login")
        # Registers the group robots' Celery jobs, which the outbox queues by name.
        from . import jobs  # noqa: F401
