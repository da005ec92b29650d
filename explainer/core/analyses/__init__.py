"""One analysis per section: frozen settings in, a frozen, documented result out.

Every number a section shows is a field of one of these results (or computed from one by a
documented property), and the claims ledger (:mod:`explainer.core.claims`) reads its evidence
from them. Nothing here imports Streamlit or Altair; each module's ``DEFAULT_*`` settings are the
section's default view.
"""
