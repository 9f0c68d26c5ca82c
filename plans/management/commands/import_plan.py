"""python manage.py import_plan FILE [--json OUT] [--region NAME] [--office USERNAME]
[--revision-of PLAN_ID | --new]

With --json: parse the document and write its structure (plan-gold/SCHEMA.md shape,
plus source spans and warnings) without touching the database, so it runs before any
migration. Without: import the plan into the database in one transaction and print
the new plan's id; --office makes that user the new plan's office. A file already
imported, or a plan with the same title in the same region, is refused unless
--revision-of names the plan it revises or --new asks for a second plan.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = (
        "解析方案文件（文本、.docx、PDF、网页、.doc/.wps，按内容识别格式）："
        "--json 输出结构，否则导入数据库并打印方案编号。"
    )
    # The JSON mode must work on a machine with no database at all.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            help="方案文件：.txt（UTF-8 或 GB18030）、.docx、带文字层的 PDF、另存的网页 .html，"
            ".doc/.wps（需安装 LibreOffice），或任务分解表 .xlsx",
        )
        parser.add_argument(
            "--json", dest="json_out", metavar="OUT", help="把解析结果写入 OUT（“-” 为标准输出），不写数据库"
        )
        parser.add_argument("--region", help="方案所属地区名称（默认取文件中的地区）")
        parser.add_argument("--parent", help="新建地区时的上级地区名称")
        parser.add_argument(
            "--revise",
            "--revision-of",
            dest="revise",
            type=int,
            metavar="PLAN_ID",
            help="作为已有方案的修订版导入（保留未变任务的进展）",
        )
        parser.add_argument("--office", metavar="USERNAME", help="该用户成为新方案的专班办公室")
        parser.add_argument("--new", action="store_true", help="与已有方案重复时仍作为新方案导入")

    def handle(self, *args, **options):
        from plans.importing import parse_file
        from plans.parsing import PlanParseError
        from plans.parsing.schema import ParsedPlan

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        try:
            raw, text = parse_file(path)
        except PlanParseError as exc:
            raise CommandError(f"无法导入 {path.name}：{exc}")
        except ValidationError as exc:
            raise CommandError(f"无法导入 {path.name}：{'；'.join(exc.messages)}")
        parsed = ParsedPlan.from_dict(raw)

        if options["json_out"]:
            payload = json.dumps(parsed.to_dict(), ensure_ascii=False, indent=2) + "\n"
            if options["json_out"] == "-":
                self.stdout.write(payload, ending="")
            else:
                Path(options["json_out"]).write_text(payload, encoding="utf-8")
                for warning in parsed.warnings:
                    self.stderr.write(f"提示：{warning.message or ''}")
            return

        office = self._office(options)
        try:
            plan = self._import(parsed, text, path, options, office)
        except ValidationError as exc:
            raise CommandError(f"无法导入 {path.name}：{'；'.join(exc.messages)}")
        self.stdout.write(str(plan.pk))

    def _office(self, options):
        if not options["office"]:
            return None
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=options["office"], is_active=True).first()
        if user is None:
            raise CommandError(f"没有用户“{options['office']}”。")
        return user

    @transaction.atomic
    def _import(self, parsed, text, path, options, office):
        from agencies.services import role_grant
        from plans.duplicates import file_sha256, plan_source_record

        sha256 = file_sha256(path.read_bytes())
        plan = self._create_or_revise(parsed, text, path.name, options, sha256)
        plan_source_record(plan=plan, sha256=sha256)
        if office is not None:
            role_grant(user=office, kind="office", plan=plan)
        return plan

    def _create_or_revise(self, parsed, text, source_name, options, sha256):
        from plans.duplicates import duplicate_message, plan_duplicates
        from plans.models import Plan, Region
        from plans.services import plan_create_from_parsed, plan_revise_from_parsed, region_get_or_create

        if options["revise"]:
            plan = Plan.objects.filter(pk=options["revise"]).select_related("region").first()
            if plan is None:
                raise CommandError(f"没有编号为 {options['revise']} 的方案。")
            counts = plan_revise_from_parsed(
                plan=plan, parsed=parsed, source_text=text, source_name=source_name
            )
            self.stderr.write("，".join(f"{k}={v}" for k, v in counts.items()))
            return plan
        info = parsed.plan
        name = options["region"] or info.region
        if not name:
            raise CommandError("文件中没有写明地区，请用 --region 指定。")
        parent = None
        if options["parent"]:
            parent = Region.objects.filter(name=options["parent"]).first()
            if parent is None:
                raise CommandError(f"找不到上级地区“{options['parent']}”。")
        matches = list(Region.objects.filter(name=name, **({"parent": parent} if parent else {}))[:2])
        if len(matches) > 1:
            raise CommandError(f"有多个名为“{name}”的地区，请用 --parent 指明上级地区。")
        region = (
            matches[0]
            if matches
            else region_get_or_create(name=name, level=info.level or _level_of(name), parent=parent)
        )
        duplicates = plan_duplicates(region=region, title=info.title or "", sha256=sha256)
        if duplicates and not options["new"]:
            raise CommandError(
                duplicate_message(duplicates)
                + f"用 --revision-of {duplicates[0].pk} 作为其修订版导入，或用 --new 仍作为新方案导入。"
            )
        return plan_create_from_parsed(
            parsed=parsed, region=region, source_text=text, source_name=source_name
        )


def _level_of(name: str) -> str:
    if name.endswith("省"):
        return "province"
    if name.endswith("市") and not name.endswith("县级市"):
        return "city"
    return "county"
