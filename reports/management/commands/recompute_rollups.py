import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from plans.models import Plan
from reports.rollups import recompute_all, recompute_marked, rollup_plan_period
from tasks.models import ReportingPeriod


class Command(BaseCommand):
    help = "重新计算进度汇总和红黄绿灯（默认：所有已开始填报的季度）。"

    def add_arguments(self, parser):
        parser.add_argument("--plan", type=int, help="只计算此方案（编号）")
        parser.add_argument("--period", help="只计算此季度，如 2026Q1（需同时指定 --plan）")
        parser.add_argument("--date", help="按此日期判断逾期（YYYY-MM-DD，默认今天）")
        parser.add_argument(
            "--all",
            action="store_true",
            help="所有已开始填报的季度（默认）：逐方案计算，最后每个地区季度计算一次",
        )
        parser.add_argument(
            "--changed", action="store_true", help="只计算仍可能变化的季度（未关闭、补报或有改动）"
        )
        parser.add_argument(
            "--workers", action="store_true", help="按方案分发给 Celery 工作进程，地区最后汇总"
        )
        parser.add_argument(
            "--stale",
            action="store_true",
            help="只计算标记为待更新的方案季度（有改动尚未计入统计的，与每分钟的补算任务相同）",
        )

    def handle(
        self, *args, plan=None, period=None, date=None, changed=False, workers=False, stale=False, **options
    ):
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"日期应写作 YYYY-MM-DD：{date}")
        if period and not plan:
            raise CommandError("指定 --period 时须同时指定 --plan。")
        if stale:
            done = recompute_marked(plan_ids=[plan] if plan else None, today=today)
            self.stdout.write(f"已计算 {len(done)} 个待更新的方案季度。")
            return
        if plan is None:
            if workers:
                from reports.jobs import recompute_all_rollups

                day = today.isoformat() if today else None
                result = recompute_all_rollups.delay(changed_only=changed, today=day).get(timeout=600)
                self.stdout.write(f"已分发 {result['computed']} 个方案季度。")
                return
            count = recompute_all(today=today, changed_only=changed)
            self.stdout.write(f"已计算 {count} 个方案季度。")
            return
        plan_obj = Plan.objects.filter(pk=plan).first()
        if plan_obj is None:
            raise CommandError(f"没有编号为 {plan} 的方案。")
        periods = ReportingPeriod.objects.filter(plan=plan_obj)
        if period:
            periods = periods.filter(label=period.strip().upper())
            if not periods.exists():
                raise CommandError(f"方案 {plan} 没有季度 {period}。")
        for p in periods:
            row = rollup_plan_period(plan=plan_obj, period=p, today=today)
            self.stdout.write(
                f"{p.label}: 应报 {row.expected}，已通过 {row.approved}，未报 {row.counts.missing}，"
                f"红灯 {row.red}，黄灯 {row.yellow}，绿灯 {row.green}"
            )
