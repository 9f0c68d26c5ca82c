"""Re-encrypt every group robot's webhook and secret with the first CHANNEL_SECRET_KEYS key."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "用 CHANNEL_SECRET_KEYS 的第一个密钥重新加密所有群机器人的地址和密钥。"

    def handle(self, *args, **options):
        from agencies.channels.models import Channel
        from agencies.channels.services import channels_rotate_secrets

        done = channels_rotate_secrets()
        total = Channel.objects.count()
        self.stdout.write(f"re-encrypted {done} of {total} channels")
        if done < total:
            self.stderr.write(
                f"{total - done} channels could not be opened with any listed key: "
                "their office must enter the webhook again"
            )
