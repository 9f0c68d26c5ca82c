"""python manage.py bench_import FILE [--repeat N]: median parse time of a document."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "测量方案文件的解析耗时（中位数，毫秒），不写数据库。"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--repeat", type=int, default=10)

    def handle(self, *args, files, repeat, **options):
        from plans.importing import benchmark_import

        for path in files:
            benchmark_import(path, repeat=repeat, stdout=self.stdout)
