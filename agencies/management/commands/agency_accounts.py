"""python manage.py agency_accounts PLAN_ID --xlsx OUT

Creates an account for every agency of the plan that has none (never one twice) and
writes the new usernames with their one-time passwords to OUT (单位, 用户名, 初始密码).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "为方案的承担单位创建缺少的填报账号，并把用户名和初始密码写入 Excel 表。"

    def add_arguments(self, parser):
        parser.add_argument("plan_id", type=int, help="方案编号")
        parser.add_argument("--xlsx", required=True, metavar="OUT", help="写入新账号的 Excel 文件")

    def handle(self, *args, **options):
        from agencies.accounts import accounts_sheet, agency_accounts_create
        from plans.models import Plan

        plan = Plan.objects.filter(pk=options["plan_id"]).first()
        if plan is None:
            raise CommandError(f"没有编号为 {options['plan_id']} 的方案。")
        out = Path(options["xlsx"])
        if not out.parent.is_dir():
            raise CommandError(f"目录不存在：{out.parent}")
        rows = agency_accounts_create(plan=plan, by=None)
        out.write_bytes(accounts_sheet(plan=plan, rows=rows).content)
        self.stdout.write(f"新建 {len(rows)} 个账号，已写入 {out}")
