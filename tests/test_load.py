"""The load driver of ``python -m explainer.bench --load N``: three readers at once against a served
app over Streamlit's websocket reach ``script_finished`` with every chart their page has and no
exception; and the percentile and summary arithmetic the load table quotes, with numbers."""

from __future__ import annotations

import math

import pytest

from explainer import load

#: Vega-Lite charts of each page, as the browser test of the embeds counts them drawn
#: (tests/test_browser_embed.py EXPECTED); the full page has every section's.
CHARTS = {"": 49, "section=descent&embed=true": 6, "section=landscape&embed=true": 9}


@pytest.fixture(scope="module")
def served():
    from explainer.devserver import serve

    with serve() as (url, pid):
        yield url, pid


def test_three_readers_at_once_each_get_their_whole_page_and_no_exception(served):
    url, pid = served
    result = load.run(url, pid, list(CHARTS), timeout=120)
    assert [r.query for r in result.readers] == list(CHARTS)
    for reader in result.readers:
        assert reader.error == "", reader
        assert reader.status == "FINISHED_SUCCESSFULLY", reader
        assert reader.charts == CHARTS[reader.query], reader
        assert reader.exceptions == 0, reader
        assert 0 < reader.seconds <= result.wall_s
    assert result.exceptions == 0 and result.failed == 0
    # The server did the work: it spent CPU time and holds the app in memory (Streamlit, pandas,
    # scikit-learn and Altair alone are well over 150 MB); the sampled peak is at least what was
    # read with every reader connected.
    assert result.cpu_s > 0.1
    assert 150 < result.rss_connected_mb <= result.peak_rss_mb < 2000
    assert result.times.n == 3 and result.times.worst == max(r.seconds for r in result.readers)


def test_an_unknown_parameter_is_a_notice_not_an_exception(served):
    # The closing table draws no chart; the ignored key is said in a warning, not raised.
    url, _pid = served
    import asyncio

    reader = asyncio.run(load.read_page(url, "section=claims&embed=true&nonsense=1", timeout=120))
    assert reader.status == "FINISHED_SUCCESSFULLY" and reader.exceptions == 0 and reader.charts == 0


def test_deltas_are_counted_by_the_element_they_hold():
    from streamlit.proto.Delta_pb2 import Delta

    deltas = [Delta() for _ in range(5)]
    deltas[0].new_element.vega_lite_chart.spec = "{}"
    deltas[1].new_element.vega_lite_chart.spec = "{}"
    deltas[2].new_element.exception.message = "boom"
    deltas[3].new_element.markdown.body = "text"
    deltas[4].add_block.SetInParent()
    counts = {"charts": 0, "exceptions": 0}
    for delta in deltas:
        load._count(delta, counts)
    assert counts == {"charts": 2, "exceptions": 1}


def test_the_first_message_is_the_browser_s_rerun_request():
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.ParseFromString(load.first_message("http://127.0.0.1:8501", "section=plateau&embed=true"))
    assert msg.WhichOneof("type") == "rerun_script"
    state = msg.rerun_script
    assert state.query_string == "section=plateau&embed=true"
    assert state.page_script_hash == "" and len(state.widget_states.widgets) == 0
    assert state.context_info.is_embedded and state.context_info.url.endswith("/?section=plateau&embed=true")


def test_percentiles_interpolate_between_order_statistics_as_numpy_does():
    times = [5.0, 1.0, 4.0, 2.0, 3.0]  # sorted 1..5: rank (n - 1) q / 100
    assert load.percentile(times, 50) == 3.0
    assert load.percentile(times, 95) == pytest.approx(4.8)  # rank 3.8: 4 + 0.8 x (5 - 4)
    assert load.percentile(times, 0) == 1.0 and load.percentile(times, 100) == 5.0
    assert load.percentile([7.0], 95) == 7.0
    assert math.isnan(load.percentile([], 50))
    twenty = [float(i) for i in range(1, 21)]  # p95 of 20 readers: between the 19th and 20th
    assert load.percentile(twenty, 95) == pytest.approx(19.05)
    assert load.percentile(twenty, 50) == pytest.approx(10.5)
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(3)
    sample = rng.exponential(2.0, size=37).tolist()
    for q in (5, 50, 90, 95, 99):
        assert load.percentile(sample, q) == pytest.approx(float(np.percentile(sample, q)), rel=1e-12)


def test_a_summary_of_reader_times_and_the_per_core_figure():
    s = load.summarise([2.0, 9.0, 1.0, 3.0])
    assert (s.n, s.p50, s.worst) == (4, 2.5, 9.0)
    assert s.p95 == pytest.approx(3.0 + 0.85 * 6.0)  # rank 2.85 between 3 and 9
    readers = [load.Reader("", t) for t in (1.0, 2.0, 3.0, 4.0)] + [load.Reader("x", 0.5, error="Timeout")]
    result = load.Load(readers, wall_s=4.2, cpu_s=2.5, peak_rss_mb=400.0, rss_connected_mb=390.0, client_cpu_s=0.1)
    assert result.times.n == 4 and result.times.p50 == 2.5  # the failed reader has no time to count
    assert result.failed == 1 and result.exceptions == 0
    assert result.cpu_per_reader_s == pytest.approx(0.5)  # 2.5 CPU s over five readers
    assert result.readers_per_core(8.0) == pytest.approx(16.0)  # 8 CPU s in the budget / 0.5 each


def test_the_crowd_is_twenty_readers_of_every_page():
    crowd = load.mix(20)
    assert len(crowd) == 20 and load.mix(25)[20:] == crowd[:5]
    assert crowd.count("") >= 5
    for slug in ("descent", "landscape", "critical-points", "local-minimum", "saddle-point", "plateau"):
        assert f"section={slug}&embed=true" in crowd
    assert {"section=overfitting&embed=true", "section=claims&embed=true"} <= set(crowd)
    assert sum("seed=" in q or "net_lr" in q or "depth" in q for q in crowd) >= 5  # non-default settings


def test_the_seeded_readers_share_nothing_and_cover_every_page():
    readers = load.seeds(20)
    seeds = [int(q.rsplit("page.seed=", 1)[1]) for q in readers]
    assert len(set(readers)) == 20 and len(set(seeds)) == 20 and min(seeds) > 0  # never seed 0: none precomputed
    pages = {q.split("&", 1)[0] for q in readers}
    assert pages == {f"section={s}" for s in (*load._EMBEDS, "claims")}


def test_benchmarks_md_keeps_earlier_rows_and_starts_a_new_table_when_columns_change(tmp_path):
    from explainer.bench import write_rows

    path = tmp_path / "BENCHMARKS.md"
    stamp = {"date": "2026-12-01", "cores": "2"}
    write_rows(path, {"Load": [{"p95 s": "7.30"}], "Page": [{"cold s": "3.60"}]}, stamp)
    write_rows(path, {"Load": [{"p95 s": "3.10"}, {"p95 s": "2.90"}]}, {**stamp, "date": "2026-12-02"})
    write_rows(path, {"Page": [{"cold s": "2.00", "warm ms": "90"}]}, stamp)
    text = path.read_text()
    assert text.startswith("# Benchmarks\n")
    load_part = text[text.index("## Load") : text.index("## Page")]
    assert load_part.count("| date | cores | p95 s |") == 1
    assert [line for line in load_part.splitlines() if line.startswith("| 2026")] == [
        "| 2026-12-01 | 2 | 7.30 |",
        "| 2026-12-02 | 2 | 3.10 |",
        "| 2026-12-02 | 2 | 2.90 |",
    ]
    page_part = text[text.index("## Page") :]
    assert "| 2026-12-01 | 2 | 3.60 |" in page_part  # the old row stays above the new table
    assert page_part.index("| date | cores | cold s |") < page_part.index("| date | cores | cold s | warm ms |")
    assert page_part.rstrip().endswith("| 2026-12-01 | 2 | 2.00 | 90 |")
