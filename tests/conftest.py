"""Shared test set-up: the project root on the path, and quiet Streamlit bare-mode warnings."""

import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

for name in ("streamlit.runtime.scriptrunner_utils.script_run_context", "streamlit.runtime.caching.cache_data_api"):
    logging.getLogger(name).setLevel(logging.ERROR)
