# syntax=docker/dockerfile:1
# The image every Airflow service of docker-compose.yaml runs: the official Airflow 3.3.2 image
# plus tianyan installed from uv.lock (the exact versions the tests ran with; no resolution at
# build time, no Airflow constraints file -- the lock is the constraint).
#
#   docker compose build            (or: docker build -t tianyan-airflow .)
ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11
ARG UV_VERSION=0.13.8

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

# ---- 1. the lock's runtime pins as a requirements file (dev group excluded) -------------------
FROM ${AIRFLOW_IMAGE} AS requirements
COPY --from=uv /uv /usr/local/bin/uv-lock
COPY pyproject.toml uv.lock README.md /tmp/tianyan/
RUN cd /tmp/tianyan \
 && uv-lock export --frozen --no-dev --no-emit-project --format requirements-txt \
      --output-file /tmp/requirements.txt \
 && grep -q '^apache-airflow==3.3.2' /tmp/requirements.txt

# ---- 2. the runtime image ---------------------------------------------------------------------
FROM ${AIRFLOW_IMAGE}
# Pinned and hashed requirements from the lock; apache-airflow==3.3.2 is among them, so the
# installer cannot move Airflow itself (as the image's docs recommend). The image's own
# providers (celery, postgres, ...) stay installed; the import check below fails the build if
# the lock's versions broke them.
COPY --from=requirements /tmp/requirements.txt /tmp/requirements.txt
RUN uv pip install --no-cache -r /tmp/requirements.txt \
 && python -c "import airflow, airflow.providers.celery, psycopg2, psycopg, great_expectations; \
assert airflow.__version__ == '3.3.2', airflow.__version__"

# A font with Chinese glyphs for the public site's posters (tianyan.public.qr, poster_font).
USER root
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*
USER airflow

# The project itself (no dependencies: they all came from the lock above).
COPY --chown=airflow:0 pyproject.toml README.md /opt/tianyan-src/
COPY --chown=airflow:0 tianyan /opt/tianyan-src/tianyan
RUN uv pip install --no-cache --no-deps /opt/tianyan-src

# The reviewed configuration, baked in so the image also runs without the compose bind mounts
# (e.g. on Kubernetes).
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins
COPY --chown=airflow:0 include /opt/airflow/include
COPY --chown=airflow:0 expectations /opt/airflow/expectations

# Layout under /opt/airflow (tianyan.paths reads TIANYAN_HOME). The data and auth folders are
# created here, owned by the airflow user, so that the named volumes mounted on them start with
# that ownership.
ENV TIANYAN_HOME=/opt/airflow \
    TIANYAN_LANDING=/opt/airflow/data/landing \
    TIANYAN_ARCHIVE=/opt/airflow/data/archive \
    TIANYAN_STATE_DIR=/opt/airflow/data/state
RUN mkdir -p /opt/airflow/data/landing /opt/airflow/data/archive /opt/airflow/data/state /opt/airflow/auth \
 && tianyan --help >/dev/null \
 && python -c "from tianyan.orchestration.departments import build_all; \
n = len(build_all()); assert n == 24, n"
