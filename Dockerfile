# syntax=docker/dockerfile:1

# Build stage: turn the project into a wheel (with its built-in SIT definitions).
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
COPY sit_definitions ./sit_definitions
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Runtime stage: the wheels only, run by an unprivileged user.
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DLP_BIND=0.0.0.0:8080 \
    DLP_DEFINITIONS_DIRS=/etc/dlp/definitions \
    DLP_HYPERSCAN_CACHE=/var/cache/dlp-classifier \
    PROMETHEUS_MULTIPROC_DIR=/tmp/dlp-metrics
RUN groupadd --system --gid 10001 dlp \
    && useradd --system --uid 10001 --gid dlp --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin dlp \
    && mkdir -p /etc/dlp/definitions /tmp/dlp-metrics /app /var/cache/dlp-classifier \
    && chown dlp:dlp /tmp/dlp-metrics /var/cache/dlp-classifier
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY service/gunicorn.conf.py /app/gunicorn.conf.py
WORKDIR /app
USER 10001:10001
# Checks the built-in definitions against their examples, and leaves their compiled
# Hyperscan databases in the cache, so that workers start in milliseconds.
RUN dlp sits validate
EXPOSE 8080
# Your own SIT definitions (YAML) go here; the built-in ones are baked into the image.
VOLUME ["/etc/dlp/definitions"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status != 200)"]
ENTRYPOINT ["gunicorn", "--config", "/app/gunicorn.conf.py", "service.api.wsgi:application"]
