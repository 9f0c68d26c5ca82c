FROM python:3.11-slim-bookworm
# Pango and a CJK font for WeasyPrint; harfbuzz-subset keeps PDF font subsetting fast;
# LibreOffice Writer (no GUI) converts plans received as .doc/.wps for the import.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-noto-cjk poppler-utils postgresql-client libreoffice-writer-nogui \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/carbonplan/app
# Exactly the packages of uv.lock (versions and hashes), with the uv bin/setup pins.
COPY pyproject.toml uv.lock ./
RUN pip install --no-cache-dir uv==0.13.9 \
 && uv export --frozen --no-emit-project --format requirements-txt -o /tmp/requirements.txt \
 && uv pip install --system --no-cache --require-hashes -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt
COPY . .
RUN DEBUG=false SECRET_KEY=build-only python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && gunicorn carbonplan.wsgi --bind 0.0.0.0:8000 --no-control-socket"]
