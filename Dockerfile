# Escaping the traps, for those who host it themselves:
#   docker build -t escaping-the-traps . && docker run -p 8501:8501 escaping-the-traps
# then open http://localhost:8501/. Scale out by running several containers behind a load balancer
# with sticky sessions (see the README, "Serving more readers").
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

# The app and its precomputed default results (explainer/data), and nothing else: no tests, no .venv.
COPY .streamlit .streamlit
COPY streamlit_app.py .
COPY explainer explainer
# Compiled once here: with PYTHONDONTWRITEBYTECODE (and a user who cannot write to /app) the
# server would otherwise compile the app's modules again on every start, about a second.
RUN python -m compileall -q streamlit_app.py explainer

RUN useradd --create-home --uid 10001 reader
USER reader

EXPOSE 8501
# Streamlit answers "ok" on /_stcore/health once it serves.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, sys, urllib.request; url = 'http://127.0.0.1:' + os.environ.get('STREAMLIT_SERVER_PORT', '8501') + '/_stcore/health'; sys.exit(0 if urllib.request.urlopen(url, timeout=4).read().strip() == b'ok' else 1)"

CMD ["streamlit", "run", "streamlit_app.py"]
