# The AMTS GitHub App server: POST /webhook and GET /healthz on port 8000 (uvicorn via `amts serve`).
#
#   docker build -t amts .
#   docker run -d --name amts -p 8000:8000 \
#     -e AMTS_APP_ID=123456 -e AMTS_WEBHOOK_SECRET=... \
#     -e AMTS_PRIVATE_KEY_PATH=/run/secrets/amts.pem -v "$PWD/amts.pem:/run/secrets/amts.pem:ro" \
#     -v amts-data:/data amts
#
# Secrets come from the environment only; /data keeps the clones and the SQLite queue across restarts.
# Pinned: the exact Python the tests run on, on Debian bookworm (change both together).
FROM python:3.11.7-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
# Exact dependency versions first (requirements.lock, made by `make lock`), then AMTS itself without resolving again.
RUN pip install --no-cache-dir --disable-pip-version-check -r requirements.lock
COPY hatch_build.py ./
COPY bot ./bot
COPY config ./config
# The aligner's hot modules are compiled with Cython (hatch_build.py): a C compiler for this step only. Without one
# the build warns and installs them as Python (same output, slower parallel-data builds).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && pip install --no-cache-dir --disable-pip-version-check --no-deps . \
    && apt-get purge -y --auto-remove gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 amts && mkdir -p /data && chown amts:amts /data
USER amts
ENV AMTS_CACHE=/data PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"

# uvicorn handles SIGTERM gracefully: the job in hand finishes, queued jobs wait in /data for the next start.
STOPSIGNAL SIGTERM
CMD ["amts", "serve", "--host", "0.0.0.0", "--port", "8000", "--config", "config/amts.yml"]
