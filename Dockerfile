# syntax=docker/dockerfile:1
# BERT Lens: the Discord bot with CPU-only torch and the model baked into the image, so containers
# start offline and fast. Build: docker build -t bertlens .   Run: docker run --env-file .env bertlens

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a virtualenv with CPU torch, the project, and the model weights in a Hugging Face cache ---
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HOME=/opt/hf \
    HF_HUB_DISABLE_PROGRESS_BARS=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# The CPU wheel index: PyPI's default torch build carries several GB of CUDA libraries.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
# The project itself (its own versions are pinned in pyproject), with the Korean morpheme analyser and
# the ONNX Runtime fast path (FAST_PATH=auto; its export is kept in DATA_DIR/onnx on the volume).
# hadolint ignore=DL3013
RUN pip install ".[korean,fast]"
ARG MODEL=distilbert-base-uncased
RUN python -m bot fetch-model "${MODEL}"

# --- runtime: slim, non-root, offline ---
FROM ${PYTHON_IMAGE}
# No system fonts needed: DejaVu comes with matplotlib and the Hangul font with the package
# (bot/engine/render/font_files), so the image draws exactly what `pip install` draws everywhere.
RUN useradd --create-home --uid 10001 bertlens \
    && mkdir -p /home/bertlens/data /opt/mpl \
    && chown bertlens:bertlens /home/bertlens/data /opt/mpl
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=bertlens:bertlens /opt/hf /opt/hf
ARG MODEL=distilbert-base-uncased
# .env.example leaves MODEL, HEALTH_FILE and DATA_DIR unset on purpose: docker run --env-file would
# otherwise replace these with empty values (tests/deploy checks the two files together).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HOME=/opt/hf \
    HF_HUB_OFFLINE=1 \
    MPLCONFIGDIR=/opt/mpl \
    MODEL=${MODEL} \
    DATA_DIR=/home/bertlens/data \
    HEALTH_FILE=/tmp/bertlens-health.json
USER 10001
# matplotlib's font cache, built once here instead of at every fresh container start.
RUN python -c "import matplotlib.font_manager"
WORKDIR /home/bertlens
# Server settings and quiz votes (SQLite) live here: mount a volume to keep them across containers.
VOLUME ["/home/bertlens/data"]
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 CMD ["python", "-m", "bot", "health"]
CMD ["python", "-m", "bot"]
