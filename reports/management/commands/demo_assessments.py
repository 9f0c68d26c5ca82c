import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.assessment.demo import build_assessment_demo


class Command(BaseCommand):
    help = "为演示方案生成年度考核：上一年度已发布（含一条已答复的申诉），本年度为草稿。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="演示数据的当天（YYYY-MM-DD），默认今天")

    def handle(self, *args, date=None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"日期应写作 YYYY-MM-DD：{date}")
        users = {u.username: u for u in get_user_model().objects.filter(username__in=["office", "agency2"])}
        if "office" not in users:
            raise CommandError("请先运行 manage.py demo。")
        made = build_assessment_demo(today=today, users=users)
        for assessment in made:
            self.stdout.write(f"{assessment}：{assessment.get_state_display()}")
