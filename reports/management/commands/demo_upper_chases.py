"""The demo's 上级催办: the upper office chases each plan below about the tasks handed down
to it and not yet answered (one chase per task a day, as anywhere)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from reports.lower_chases import lower_chase_default_message, lower_chase_send
from reports.models import LowerChase
from tasks.models import HandDown


class Command(BaseCommand):
    help = "Chase the plans below about the tasks handed down to them and not answered (demo)."

    def add_arguments(self, parser):
        parser.add_argument("--by", required=True, help="username of the upper office")

    def handle(self, *args, by, **options):
        user = get_user_model().objects.get(username=by)
        sent = 0
        for hand_down in HandDown.objects.waiting().select_related("task__action", "plan").order_by("pk"):
            if LowerChase.objects.filter(hand_down=hand_down).exists():
                continue
            plan = hand_down.plan
            message = lower_chase_default_message(plan=plan, hand_down=hand_down)
            lower_chase_send(plan=plan, by=user, hand_down=hand_down, message=message)
            sent += 1
        self.stdout.write(f"{sent}")
