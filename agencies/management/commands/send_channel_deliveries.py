"""Send the group robot deliveries that are due (what the beat entry does each minute)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "发送到期的群机器人消息（重试与遗漏的消息）。"

    def handle(self, *args, **options):
        from agencies.channels.sending import deliveries_send_due

        result = deliveries_send_due()
        self.stdout.write(f"queued {result['queued']}, stuck marked failed {result['stuck']}")
