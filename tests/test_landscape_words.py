"""The landscape section's sentences follow the numbers: verdicts, directions of change, plurals."""

from __future__ import annotations

from explainer.sections import landscape as section


def _every(early_down: int, end_down: int, median=(1e-4, 1e-5)) -> dict:
    counts = lambda down: {"goes downhill": down, "no way down": 4417 - down, "perfectly flat": 0}  # noqa: E731
    return dict(
        every={"early": counts(early_down), "end": counts(end_down)},
        epoch_early=1,
        median={"early": median[0], "end": median[1]},
    )


def _fan(early: int, end: int, count: int = 12) -> dict:
    return dict(downhill={"early": early, "end": end}, count=count, same=False, epoch_early=1, rise={"end": 0.5})


def _curv(low: float, high: float = 5.0, drop: float = 0.0, loss: float = 0.13) -> dict:
    return dict(failed=None, low=[low], high=[high], drop=drop, loss=loss, grad_norm=0.03, still_falling=True,
                best_epoch=40, last_epoch=40, drop_at=0.5, rise=7.0)  # fmt: skip


def test_the_verdict_follows_the_computed_ground():
    # Flat ground, and no direction bends down: a minimum.
    finding, verdict = section._claim(_every(1600, 1), _fan(10, 0), _curv(low=-1e-4), 4417)
    assert verdict == "confirmed" and "a minimum" in finding and "1 does" in finding
    # Flat ground with a gently negative direction along which the loss hardly falls: a flat valley floor.
    finding, verdict = section._claim(_every(1600, 0), _fan(10, 0), _curv(low=-0.01, drop=1e-6), 4417)
    assert verdict == "refined" and "flat valley" in finding and "0 do" in finding
    # ... and one along which it really falls: a saddle.
    finding, verdict = section._claim(_every(1600, 2), _fan(10, 0), _curv(low=-0.1, drop=0.01), 4417)
    assert verdict == "refined" and "a saddle" in finding and "7.7%" in finding
    # Many one-weight cuts still lead down at the end: the run cannot judge the claim.
    finding, verdict = section._claim(_every(1352, 1915), _fan(7, 0), _curv(low=-0.1, drop=0.01), 4417)
    assert verdict is None and "not reached flat ground" in finding
    # So do many random directions.
    assert section._claim(_every(1600, 3), _fan(10, 5), _curv(low=-1e-4), 4417)[1] is None
    # A failed eigenvalue search is not a verdict either.
    assert section._claim(_every(1600, 1), _fan(10, 0), dict(failed="ArpackError"), 4417)[1] is None


def test_changes_are_called_by_their_direction():
    assert section._change(7.8e-5, 9.5e-6) == "fell 8-fold, from 7.8e-05 to 9.5e-06"
    assert section._change(5.3e-8, 1.1e-5).startswith("rose 208-fold")
    assert section._change(9.6e-5, 9.7e-5).startswith("hardly changed")


def test_captions_count_in_words():
    fan = _fan(10, 1)
    assert "at the end, 1 does. Training has taken it down most" in section._fan_caption(fan)
    assert "bottom of a bowl" in section._fan_caption(_fan(10, 0))
    assert "not settled yet" in section._fan_caption(_fan(3, 4))
    assert "same point" in section._fan_caption(dict(_fan(4, 4), same=True))
    line = dict(line_start=0.74, line_end=0.13, beyond=0.12, bump=0.05)
    text = section._line_caption(line)
    assert "not monotonically" in text and "unlike most" in text and "keeps falling" in text
    assert "rises again" in section._line_caption(dict(line, bump=0.0, beyond=0.15))
