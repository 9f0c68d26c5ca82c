"""python manage.py bench_import FILE [--repeat N]: median parse time of a document."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "测量方案文件的解析耗时（中位数，毫秒），不写数据库。"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*")
        parser.add_argument("--repeat", type=int, default=10)
        parser.add_argument("--synthetic", type=int, metavar="KB", help="另测一份约 KB 大小的合成方案")

    def handle(self, *args, files, repeat, synthetic, **options):
        import tempfile
        from pathlib import Path

        from plans.bench import benchmark_import, synthetic_plan

        files = list(files)
        if synthetic:
            folder = Path(tempfile.mkdtemp())
            path = folder / f"synthetic-{synthetic}kb.txt"
            path.write_text(synthetic_plan(synthetic), encoding="utf-8")
            files.append(str(path))
        for path in files:
            benchmark_import(path, repeat=repeat, stdout=self.stdout)
