from django.core.management import call_command
from django.core.management.base import BaseCommand

from plans.demo import build_demo, demo_summary


class Command(BaseCommand):
    help = "准备演示数据库：fixtures/ 中的方案、单位、演示账号和若干季度的填报进展（可重复运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--no-migrate", action="store_true", help="不先执行 migrate")

    def handle(self, *args, no_migrate=False, **options):
        if not no_migrate:
            call_command("migrate", verbosity=0, interactive=False)
        result = build_demo()
        for plan in result["plans"]:
            self.stdout.write(f"方案 #{plan.pk}: {plan.region.name} · {plan.title}")
        self.stdout.write("演示账号（密码均为 carbonplan）：")
        for username, password, role in demo_summary():
            self.stdout.write(f"  {username:<8} {password}  {role}")
