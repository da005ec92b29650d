"""A reader who leaves in the middle of a long computation leaves nothing behind (issue 14).

At the protocol level (:mod:`explainer.load`): a reader opens the landscape section at a seed no
one has used, which computes live (several seconds: training a network, then its cuts and its
slice), and closes the websocket after one second, mid-computation. Streamlit 1.67 then asks the
session's script to stop (``WebsocketSessionManager.disconnect_session`` calls
``AppSession.request_script_stop`` -> ``ScriptRunner.request_stop``), and the script raises
``StopException`` at its next Streamlit call; the section's progress bar is updated between its
steps and within the long ones, so that call comes soon. A cached function that is stopped stores
nothing, so no half-made entry is left.

Checked with numbers:

- the server's CPU use (its ``/proc`` ticks) falls to idle soon after the reader left, and sooner
  than the rest of the work would take: the next reader of the same link, who has to compute what
  the first left undone, takes longer than the server stayed busy;
- that next reader gets the whole page (every chart, no exception), and a third reader, all cache
  hits, gets the same page quickly;
- the server log holds no traceback from the stop.

About 30 s on the 2-core machine (most of it the second reader's computation).
"""

from __future__ import annotations

import asyncio

import pytest

from explainer import load
from explainer.devserver import read_log, serve

LINK = "section=landscape&embed=true&page.seed=4321"  # a seed no other test opens: computed live
CHARTS = 9  # the landscape section's charts
LEAVE_AFTER_S = 1.0


@pytest.fixture(scope="module")
def left(tmp_path_factory):
    """Serve the app; one reader leaves :data:`LINK` early, two more read it whole. Yields the
    three readers, the seconds the server stayed busy after the first left, and the log."""
    log = tmp_path_factory.mktemp("server") / "server.log"
    with serve(log=log) as (url, pid):
        warm = asyncio.run(load.read_page(url, "section=descent&embed=true", timeout=120))  # imports done
        assert warm.status == "FINISHED_SUCCESSFULLY", warm
        load.busy_until_idle(pid, limit_s=30)
        leaver = asyncio.run(load.leave_early(url, LINK, LEAVE_AFTER_S))
        busy = load.busy_until_idle(pid, limit_s=90)
        second = asyncio.run(load.read_page(url, LINK, timeout=150))
        third = asyncio.run(load.read_page(url, LINK, timeout=60))
        yield leaver, busy, second, third, read_log(log)


def test_the_reader_left_while_the_section_was_still_computing(left):
    leaver, _busy, _second, _third, _log = left
    assert leaver.status == "", leaver  # the script had not finished when the socket closed
    assert leaver.charts < CHARTS and leaver.exceptions == 0, leaver
    assert leaver.messages > 0  # it had started: the page's frame and the progress bar arrived


def test_the_server_goes_idle_soon_after_the_reader_leaves(left):
    _leaver, busy, second, _third, _log = left
    # Streamlit stops the script at its next call: idle within a few seconds, where letting the
    # run finish would have kept the server busy for the rest of the computation, which is what
    # the second reader then had to wait for.
    assert busy < 10.0, busy
    assert busy < second.seconds, (busy, second.seconds)


def test_the_next_readers_get_the_whole_page_and_no_broken_cache_entry(left):
    _leaver, _busy, second, third, log = left
    for reader in (second, third):
        assert reader.error == "" and reader.status == "FINISHED_SUCCESSFULLY", reader
        assert reader.charts == CHARTS and reader.exceptions == 0, reader
    assert third.seconds < second.seconds  # the third is served from what the second computed
    assert "Traceback" not in log and "StopException" not in log
