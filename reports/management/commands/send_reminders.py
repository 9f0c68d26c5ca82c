import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from reports.reminders import reminders_send_due


class Command(BaseCommand):
    help = "发送到期的提醒、催办和通报（每个阶段每个单位只发一次）。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按此日期判断阶段（YYYY-MM-DD，默认今天）")

    def handle(self, *args, date=None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"日期应写作 YYYY-MM-DD：{date}")
        counts = reminders_send_due(today=today)
        self.stdout.write(
            "提醒 {remind} 条，催办 {urge} 条，通报 {escalate} 条。".format(
                remind=counts.get("remind", 0), urge=counts.get("urge", 0), escalate=counts.get("escalate", 0)
            )
        )
