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


def _curv(low: float, high: float = 5.0, drop: float = 0.0, loss: float = 0.13, above_best: float = 0.0) -> dict:
    return dict(failed=None, low=[low], high=[high], drop=drop, loss=loss, grad_norm=0.03, still_falling=True,
                best_epoch=37, last_epoch=40, drop_at=0.5, rise=7.0, above_best=above_best)  # fmt: skip


def test_the_verdict_follows_the_computed_ground():
    # Flat ground, and no direction bends down: a minimum.
    finding, verdict = section._claim(_every(1600, 1), _fan(10, 0), _curv(low=-1e-4), 4417)
    assert verdict == "confirmed" and "a minimum" in finding and "1 does" in finding
    # Flat ground with a gently negative direction along which the loss hardly falls: a flat valley floor.
    finding, verdict = section._claim(_every(1600, 0), _fan(10, 0), _curv(low=-0.01, drop=1e-6), 4417)
    assert verdict == "refined" and "flat valley" in finding and "0 do" in finding
    # ... and one along which it really falls: a saddle.
    finding, verdict = section._claim(_every(1600, 2), _fan(10, 0), _curv(low=-0.1, drop=0.01), 4417)
    assert verdict == "refined" and "really falls, by 7.7%" in finding and "not a minimum" in finding
    # Curvature within a thousandth of zero, but the cut along it still finds lower ground: not a minimum either,
    # and the reading below the chart says the same.
    curv = _curv(low=-2e-4, drop=1e-3, loss=0.02)
    finding, verdict = section._claim(_every(1600, 0), _fan(10, 0), curv, 4417)
    assert verdict == "refined" and "finds lower ground" in finding
    assert "real dip" in section._curvature_reading(curv) and "real way down" in section._eigen_caption(curv)
    # Many one-weight cuts still lead down at the end: the run cannot judge the claim.
    finding, verdict = section._claim(_every(1352, 1915), _fan(7, 0), _curv(low=-0.1, drop=0.01), 4417)
    assert verdict is None and "not reached flat ground" in finding
    # So do many random directions.
    assert section._claim(_every(1600, 3), _fan(10, 5), _curv(low=-1e-4), 4417)[1] is None
    # A failed eigenvalue search is not a verdict either.
    assert section._claim(_every(1600, 1), _fan(10, 0), dict(failed="ArpackError"), 4417)[1] is None


def test_changes_are_called_by_their_direction():
    assert section._change(7.8e-5, 9.5e-6) == "fell 8.2-fold, from 7.8e-05 to 9.5e-06"
    assert section._change(5.3e-8, 1.1e-5).startswith("rose 208-fold")
    assert section._change(1.1e-4, 1.6e-4).startswith("rose 1.5-fold")
    assert section._change(9.6e-5, 9.7e-5).startswith("hardly changed")


def test_captions_count_in_words():
    fan = _fan(10, 1)
    assert "at the end, 1 does. Training has flattened 9 of them; 1 still leads down." in section._fan_caption(fan)
    assert "bottom of a bowl" in section._fan_caption(_fan(10, 0))
    assert "not settled yet" in section._fan_caption(_fan(3, 4))
    assert "same point" in section._fan_caption(dict(_fan(4, 4), same=True))
    line = dict(line_start=0.74, line_end=0.13, beyond=0.12, bump=0.05)
    text = section._line_caption(line)
    assert "not monotonically" in text and "unlike most" in text and "keeps falling" in text
    assert "rises again" in section._line_caption(dict(line, bump=0.0, beyond=0.15))


def test_trend_and_loss_captions_follow_the_curve():
    assert "still falling" in section._trend(_curv(low=-1e-4))
    jumped = section._trend(_curv(low=-1e-4, above_best=0.28))
    assert "lowest value came at epoch 37" in jumped and "28.0% above" in jumped
    over = dict(loss_start=0.711, loss_early=0.739, loss_end=0.025, epoch_early=1, epochs_run=40)
    assert section._loss_caption(over).startswith("The loss first rose, from 0.711")
    assert "made 47% of its fall" in section._loss_caption(dict(over, loss_early=0.389))
    line = dict(line_start=0.74, line_end=0.567, beyond=0.5672, bump=0.0)
    assert "stays level" in section._line_caption(line)
