.PHONY: demo test ci lint format bench

demo:      ## set up and start the demo on http://127.0.0.1:8000
	bin/demo

test:      ## set up and run the tests (embedded default unless DATABASE_URL/REDIS_URL are set)
	bin/test

ci:        ## what CI runs: tests on SQLite and on PostgreSQL + Redis, migrations check, ruff
	bash .ci/run

lint:      ## ruff, and the import rules of the README (no cycle, no import of reports from below, ≤ 600 lines)
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/python bin/check-imports

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

bench:     ## province-scale benchmark on the configured database
	.venv/bin/python manage.py bench
