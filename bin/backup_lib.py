"""What bin/backup and bin/restore do; kept in one module so the two agree on the format."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
FORMAT = 1


def _settings():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carbonplan.settings")
    import django
    from django.conf import settings

    django.setup()
    return settings


def _database(settings) -> dict:
    db = settings.DATABASES["default"]
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    if engine not in ("sqlite3", "postgresql"):
        raise SystemExit(f"Unsupported database engine: {db['ENGINE']}")
    return {"engine": engine, **db}


def _pg_env(db) -> dict:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db) -> list[str]:
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    return args


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({result.returncode}):\n{result.stderr.strip()}")
    return result


# --- backup ----------------------------------------------------------------------------


def backup(out_dir: Path, settings=None) -> Path:
    settings = settings or _settings()
    db = _database(settings)
    media_root = Path(settings.MEDIA_ROOT)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    final = out_dir / f"carbonplan-{stamp}"
    n = 1
    while final.exists():
        n += 1
        final = out_dir / f"carbonplan-{stamp}-{n}"
    work = final.with_name(final.name + ".partial")
    work.mkdir(parents=True)
    try:
        if db["engine"] == "postgresql":
            db_file = work / "database.dump"
            _run(
                [
                    "pg_dump",
                    "-Fc",
                    "--no-owner",
                    "--no-privileges",
                    *_pg_args(db),
                    "-f",
                    str(db_file),
                    str(db["NAME"]),
                ],
                env=_pg_env(db),
            )
        else:
            db_file = work / "database.sqlite3"
            # The online backup API copies a consistent snapshot even while the site writes.
            src = sqlite3.connect(f"file:{quote(str(db['NAME']))}?mode=ro", uri=True)
            dst = sqlite3.connect(db_file)
            try:
                with dst:
                    src.backup(dst)
            finally:
                dst.close()
                src.close()
        media_file = work / "media.tar.gz"
        with tarfile.open(media_file, "w:gz") as tar:
            if media_root.exists():
                for child in sorted(media_root.iterdir()):
                    tar.add(child, arcname=child.name)
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "engine": db["engine"],
            "database_name": str(db["NAME"]),
            "media_root": str(media_root),
            "files": {
                p.name: {"bytes": p.stat().st_size, "sha256": _sha256(p)} for p in (db_file, media_file)
            },
        }
        (work / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def main_backup(argv) -> int:
    parser = argparse.ArgumentParser(
        prog="bin/backup", description="Back up the database and uploaded files."
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "var" / "backups", help="parent directory of the backup"
    )
    args = parser.parse_args(argv)
    print(backup(args.out))
    return 0


# --- restore ---------------------------------------------------------------------------


def _verify(archive: Path) -> dict:
    manifest_path = archive / "manifest.json"
    if not manifest_path.exists():
        raise SystemExit(f"{archive} is not a carbonplan backup (no manifest.json)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise SystemExit(f"Unknown backup format {manifest.get('format')!r}")
    for name, meta in manifest["files"].items():
        path = archive / name
        if not path.exists() or _sha256(path) != meta["sha256"]:
            raise SystemExit(f"{path} is missing or damaged (checksum mismatch); nothing was restored")
    return manifest


def _safe_members(tar: tarfile.TarFile):
    for member in tar.getmembers():
        target = Path(member.name)
        if target.is_absolute() or ".." in target.parts or not (member.isfile() or member.isdir()):
            raise SystemExit(f"Refusing suspicious entry in media.tar.gz: {member.name}")
    return tar.getmembers()


def restore(archive: Path, settings=None) -> dict:
    settings = settings or _settings()
    manifest = _verify(archive)
    db = _database(settings)
    if manifest["engine"] != db["engine"]:
        raise SystemExit(f"Backup is of a {manifest['engine']} database, this site uses {db['engine']}")
    media_root = Path(settings.MEDIA_ROOT)

    # Unpack the files beside MEDIA_ROOT first, so a broken archive leaves the site untouched.
    staging = media_root.with_name(media_root.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(archive / "media.tar.gz", "r:gz") as tar:
        tar.extractall(staging, members=_safe_members(tar), filter="data")

    if db["engine"] == "postgresql":
        # One transaction: a failed restore leaves the database as it was.
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *_pg_args(db),
                "-d",
                str(db["NAME"]),
                str(archive / "database.dump"),
            ],
            env=_pg_env(db),
        )
    else:
        src = sqlite3.connect(f"file:{quote(str(archive / 'database.sqlite3'))}?mode=ro", uri=True)
        Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(db["NAME"], timeout=30)
        try:
            with dst:
                src.backup(dst)
        finally:
            dst.close()
            src.close()

    # Keep the files that were there until now: a restore must not lose anything either.
    kept = None
    if media_root.exists() and any(media_root.iterdir()):
        kept = media_root.with_name(f"{media_root.name}.before-restore-{dt.datetime.now():%Y%m%d-%H%M%S}")
        media_root.rename(kept)
    elif media_root.exists():
        media_root.rmdir()
    staging.rename(media_root)
    return {"manifest": manifest, "previous_media": str(kept) if kept else None}


def main_restore(argv) -> int:
    parser = argparse.ArgumentParser(
        prog="bin/restore", description="Replace the database and uploaded files with a backup's."
    )
    parser.add_argument("archive", type=Path, help="a directory written by bin/backup")
    parser.add_argument("--yes", action="store_true", help="really overwrite the current data")
    args = parser.parse_args(argv)
    if not args.yes:
        print("This replaces the current database and uploaded files. Run again with --yes.", file=sys.stderr)
        return 2
    result = restore(args.archive)
    print(f"Restored {args.archive} (made {result['manifest']['created_at']}).")
    if result["previous_media"]:
        print(f"The uploaded files found before the restore were moved to {result['previous_media']}.")
    return 0
