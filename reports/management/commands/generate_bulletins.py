import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from reports.bulletin import bulletins_request_due


class Command(BaseCommand):
    help = "为已过报送截止日期、尚无督查通报的季度生成第一版通报。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按此日期判断（YYYY-MM-DD，默认今天）")

    def handle(self, *args, date=None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"日期应写作 YYYY-MM-DD：{date}")
        bulletins = bulletins_request_due(today=today)
        for b in bulletins:
            b.refresh_from_db(fields=["state"])
            self.stdout.write(f"{b.plan} {b.period.label} 第{b.version}版：{b.get_state_display()}")
        self.stdout.write(f"共 {len(bulletins)} 份。")
