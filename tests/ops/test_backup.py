"""bin/backup and bin/restore bring back the rows and the uploaded files.

Each test runs the scripts as an operator would, in subprocesses, against a database of
its own: a SQLite file always, and a scratch PostgreSQL database when DATABASE_URL
points at PostgreSQL.
"""

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVIDENCE = "evidence/2026/充电桩验收单.pdf"
EVIDENCE_BYTES = b"%PDF-1.4\n% carbonplan backup test \xe4\xb8\xad\xe6\x96\x87\n" + bytes(range(256)) * 64

SEED = f"""
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from plans.models import Plan, Region
region = Region.objects.create(name="备份县", level="county")
Plan.objects.create(region=region, title="备份县碳达峰实施方案", start_year=2024, end_year=2030)
get_user_model().objects.create_user("backup_office", password="carbonplan-backup")
default_storage.save({EVIDENCE!r}, ContentFile({EVIDENCE_BYTES!r}))
"""

LATER = """
from plans.models import Plan, Region
Plan.objects.create(region=Region.objects.get(name="备份县"), title="备份之后新建的方案")
"""

PROBE = f"""
import json
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from plans.models import Plan
exists = default_storage.exists({EVIDENCE!r})
print(json.dumps({{
    "plans": sorted(Plan.objects.values_list("title", flat=True)),
    "user_ok": get_user_model().objects.get(username="backup_office").check_password("carbonplan-backup"),
    "evidence": default_storage.open({EVIDENCE!r}).read().hex() if exists else None,
}}))
"""


class Site:
    """A carbonplan configured by environment variables, driven through subprocesses."""

    def __init__(self, database_url, media_root):
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "DEBUG")
        }
        self.env.update(
            DATABASE_URL=database_url,
            MEDIA_ROOT=str(media_root),
            DJANGO_SETTINGS_MODULE="carbonplan.settings",
        )
        self.media_root = Path(media_root)

    def run(self, *cmd, check=True):
        result = subprocess.run(cmd, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300)
        if check:
            assert result.returncode == 0, f"{cmd}\n{result.stdout}\n{result.stderr}"
        return result

    def shell(self, code):
        return self.run(sys.executable, "manage.py", "shell", "-c", code).stdout

    def migrate(self):
        self.run(sys.executable, "manage.py", "migrate", "--noinput", "-v0")

    def probe(self):
        return json.loads(self.shell(PROBE).strip().splitlines()[-1])

    def backup(self, out):
        result = self.run(sys.executable, "bin/backup", "--out", str(out))
        return Path(result.stdout.strip().splitlines()[-1])

    def restore(self, archive, *extra, check=True):
        return self.run(sys.executable, "bin/restore", str(archive), *extra, check=check)


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory):
    """One migrated SQLite file that each test copies, instead of migrating anew."""
    db_file = tmp_path_factory.mktemp("template") / "template.sqlite3"
    Site(f"sqlite:///{db_file}", db_file.parent / "media").migrate()
    return db_file


def sqlite_site(tmp_path, template):
    db_file = tmp_path / "site.sqlite3"
    shutil.copyfile(template, db_file)
    return Site(f"sqlite:///{db_file}", tmp_path / "media"), db_file


def round_trip(site, tmp_path, wipe_database):
    site.shell(SEED)
    before = site.probe()
    assert before["plans"] == ["备份县碳达峰实施方案"] and before["evidence"] == EVIDENCE_BYTES.hex()

    archive = site.backup(tmp_path / "backups")
    assert archive.name.startswith("carbonplan-") and archive.is_dir()
    manifest = json.loads((archive / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) >= {"media.tar.gz"}
    assert not list((tmp_path / "backups").glob("*.partial"))

    # Work goes on after the backup, then disaster: the database and the files are gone.
    site.shell(LATER)
    wipe_database()
    shutil.rmtree(site.media_root)

    refused = site.restore(archive, check=False)
    assert refused.returncode == 2 and "--yes" in refused.stderr

    site.restore(archive, "--yes")
    after = site.probe()
    assert after == {"plans": ["备份县碳达峰实施方案"], "user_ok": True, "evidence": EVIDENCE_BYTES.hex()}
    return archive


def test_sqlite_backup_and_restore_bring_back_rows_and_files(tmp_path, migrated_sqlite):
    site, db_file = sqlite_site(tmp_path, migrated_sqlite)
    archive = round_trip(site, tmp_path, wipe_database=db_file.unlink)
    assert (archive / "database.sqlite3").exists()


def test_restore_over_live_data_keeps_the_files_it_replaces(tmp_path, migrated_sqlite):
    site, _ = sqlite_site(tmp_path, migrated_sqlite)
    site.shell(SEED)
    archive = site.backup(tmp_path / "backups")
    site.shell(LATER)
    (site.media_root / "evidence" / "2026" / "后来上传.txt").write_text("后来上传的材料", encoding="utf-8")

    output = site.restore(archive, "--yes").stdout
    assert site.probe()["plans"] == ["备份县碳达峰实施方案"]
    kept = list(tmp_path.glob("media.before-restore-*"))
    assert len(kept) == 1 and str(kept[0]) in output
    assert (kept[0] / "evidence" / "2026" / "后来上传.txt").read_text(encoding="utf-8") == "后来上传的材料"
    assert not (site.media_root / "evidence" / "2026" / "后来上传.txt").exists()


def test_a_damaged_backup_restores_nothing(tmp_path, migrated_sqlite):
    site, _ = sqlite_site(tmp_path, migrated_sqlite)
    site.shell(SEED)
    archive = site.backup(tmp_path / "backups")
    site.shell(LATER)
    with (archive / "database.sqlite3").open("r+b") as fh:
        fh.seek(200)
        fh.write(b"\x00garbage\x00")

    result = site.restore(archive, "--yes", check=False)
    assert result.returncode != 0
    assert "checksum mismatch" in result.stderr
    assert site.probe()["plans"] == sorted(["备份县碳达峰实施方案", "备份之后新建的方案"])


def postgres_url():
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.mark.skipif(not postgres_url(), reason="DATABASE_URL is not PostgreSQL")
def test_postgresql_backup_and_restore_bring_back_rows_and_files(tmp_path):
    import dj_database_url
    import psycopg

    conf = dj_database_url.parse(postgres_url())
    scratch = f"carbonplan_backup_{uuid.uuid4().hex[:10]}"
    admin = dict(host=conf["HOST"], port=conf["PORT"] or 5432, user=conf["USER"], password=conf["PASSWORD"])
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f'CREATE DATABASE "{scratch}"')
    try:
        url = f"postgres://{conf['USER']}:{conf['PASSWORD']}@{conf['HOST']}:{conf['PORT'] or 5432}/{scratch}"
        site = Site(url, tmp_path / "media")

        def wipe():
            with psycopg.connect(dbname=scratch, autocommit=True, **admin) as conn:
                conn.execute("DROP SCHEMA public CASCADE")
                conn.execute("CREATE SCHEMA public")

        site.migrate()
        archive = round_trip(site, tmp_path, wipe_database=wipe)
        assert (archive / "database.dump").read_bytes()[:5] == b"PGDMP"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
