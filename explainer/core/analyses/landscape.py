"""The landscape of a real network: a 2-64-64-1 scikit-learn ``MLPClassifier`` (4,417 weights)
trained on points in the plane, seen through 1-D cuts (single weights, random directions, the
Hessian's extreme eigenvectors) and the 2-D plane of its own training path.

One :class:`Settings` describes the whole view; :func:`train` runs the training it looks at, and
each analysis below reads that run and a few more settings, so that a page can cache each part
on just what it reads (:meth:`Settings.only`):

- :func:`overview` (``early``) -> :class:`Overview`: the data, the decision boundary, the loss curve
- :func:`weight_cuts` (``early, weight, span``) -> :class:`WeightCuts`: the reader's weight and seven others
- :func:`every_weight` (``early, span``) -> :class:`EveryWeight`: all 4,417 one-weight cuts, tallied, and their slopes
- :func:`random_cuts` (``early, directions``) -> :class:`RandomCuts`: filter-normalised random directions
- :func:`path_plane` -> :class:`PathView`: the plane of the training path, and the straight line start to end
- :func:`curvature` -> :class:`Curvature`: the Hessian's extreme eigenvalues at the end, and the cuts along them

Cuts are classified with :func:`explainer.core.landscape.courses` (ids of
:data:`explainer.core.kinds.CUT_COURSES`); the two snapshots compared are the ids
:data:`~explainer.core.kinds.EARLY` and :data:`~explainer.core.kinds.END`. A cut goes downhill
where the loss falls along it by more than :data:`DOWNHILL_SHARE` of :func:`loss_scale`, the loss
of a constant guess: one bar, set by the data set, for every cut and for the claim.

The default of each part ships precomputed (:data:`PARTS`, :func:`result`), so the default view
trains nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from explainer.core import kinds, landscape, store
from explainer.core.blas import one_thread
from explainer.core.contours import contour_segments
from explainer.core.curvature import extreme_eigenvalues, index
from explainer.core.training import TrainingPath, make_dataset, train_path

#: The network: two hidden layers of 64 units, 400 training points, mini-batches of 100.
HIDDEN = (64, 64)
N_SAMPLES = 400
BATCH = 100
#: Weights of the 2-64-64-1 network: every matrix and every bias vector.
N_PARAMS = sum(i * o + o for i, o in pairwise((2, *HIDDEN, 1)))
#: Of those, the entries of the weight matrices (what the L2 penalty and random directions touch).
N_WEIGHTS = sum(i * o for i, o in pairwise((2, *HIDDEN, 1)))
#: ... and the biases (which they leave alone).
N_BIASES = N_PARAMS - N_WEIGHTS
#: Step size of each of scikit-learn's stochastic solvers offered.
STEP = {"adam": 0.01, "sgd": 0.05}
#: Noise of each data set (``explainer.core.training.DATASETS``).
DATA_NOISE = {"moons": 0.25, "circles": 0.2, "xor": 0.15, "spirals": 0.3}
ACTIVATIONS = ("relu", "tanh")
#: The epoch counts offered; the page never advises more than the most of them.
EPOCH_CHOICES = (10, 20, 40, 80, 160)
#: A cut whose slope is below this (loss per unit of weight) counts as flat; so does a point whose
#: steepest cut, along its gradient, is that flat (:attr:`Curvature.critical`).
FLAT_SLOPE = 1e-3
#: A cut "goes downhill" where the loss drops below its value at the network by more than this share
#: of the data set's loss scale (:func:`loss_scale`), a yardstick that does not shrink as training
#: lowers the loss: 0.1% of ln 2 = 6.9e-4 on two even classes. One bar for every cut on the page:
#: the one-weight cuts, their tally, the random directions, the eigenvector and the claim.
DOWNHILL_SHARE = 1e-3
#: The one-weight cuts drawn: this many weights, each at this many offsets across ``±span``.
N_AXIS_CUTS = 8
CUT_POINTS = 25
#: The random directions are cut at this many steps from -1 to 1.
FAN_POINTS = 21
#: The decision map's grid side, and the path plane's.
DECISION_SIDE = 41
PLANE_SIDE = 25
#: The straight line from the initial to the trained weights, sampled at this many ``t`` over ``LINE_RANGE``.
LINE_POINTS = 61
LINE_RANGE = (-0.25, 1.25)
#: How far the cuts along the Hessian's eigenvectors reach (unit vectors, weight units), at how many points.
EIGEN_SPAN = 2.0
EIGEN_POINTS = 41
#: Curvature bends down "clearly" when the smallest eigenvalue is below minus this share of the largest.
BENDS_DOWN = 1e-3
#: Two losses are level within this share: the straight line from start to end has "no bump" when it
#: never rises above its lowest value so far by more than this share of its start, it is "level" past
#: the end within this share of the end, and a run has risen since its best epoch beyond this share.
LEVEL = 1e-3
#: Seed offsets of the draws that are not the training run's own.
PICK_SEED, DIRECTION_SEED = 101, 202

#: The settings that decide the training run (every analysis reads these).
RUN_FIELDS = ("data", "activation", "optimizer", "epochs", "seed")


@dataclass(frozen=True)
class Settings:
    """The whole view: the run (``data, activation, optimizer, epochs, seed``), the snapshot
    compared with the end (``early``, an epoch), the reader's weight (``weight``, numbered from
    1 as a reader counts, in scikit-learn's packing order), how far one-weight cuts reach
    (``span``, ± in weight units) and how many random directions are cut (``directions``)."""

    data: str = "moons"
    activation: str = "relu"
    optimizer: str = "adam"
    epochs: int = 40
    seed: int = 0
    early: int = 1
    weight: int = 1000
    span: float = 2.0
    directions: int = 12

    def only(self, *names: str) -> Settings:
        """These settings with only the run's fields and ``names`` kept; the others are ``None``,
        so an analysis that reads one it was not given fails at once instead of caching a value
        under a key that does not hold it."""
        keep = set(RUN_FIELDS) | set(names)
        return dataclasses.replace(self, **{f.name: None for f in dataclasses.fields(self) if f.name not in keep})


DEFAULT = Settings()


def train(settings: Settings) -> TrainingPath:
    """The training run every part looks at: one snapshot of the weights per epoch."""
    s = settings
    X, y = make_dataset(s.data, n=N_SAMPLES, noise=DATA_NOISE[s.data], seed=s.seed)
    with one_thread():
        return train_path(
            X,
            y,
            hidden=HIDDEN,
            activation=s.activation,
            solver=s.optimizer,
            lr=STEP[s.optimizer],
            epochs=s.epochs,
            batch_size=BATCH,
            seed=s.seed,
        )


def loss_scale(net) -> float:
    """The loss of the best constant guess on the training data, the entropy of its labels (ln 2 =
    0.693 for two even classes): what a network that has learnt nothing scores. The data set sets
    it, not the run, so a bar measured against it stays put as training lowers the loss."""
    y = np.asarray(net.Y, dtype=float)
    shares = np.array([y.mean(), 1 - y.mean()]) if y.shape[1] == 1 else y.mean(axis=0)
    shares = shares[shares > 0]
    return float(-(shares * np.log(shares)).sum())


class _Downhill:
    """What results that tell cuts apart share: ``scale`` (a field of each, :func:`loss_scale`) and
    the drop that counts as going downhill."""

    scale: float

    @property
    def downhill_drop(self) -> float:
        """A cut goes downhill where the loss drops by more than this: :data:`DOWNHILL_SHARE` of ``scale``."""
        return DOWNHILL_SHARE * self.scale


def snapshot(path: TrainingPath, early: int) -> int:
    """Index of the snapshot at epoch ``early`` (or the last one before it, if the run is shorter)."""
    return int(np.searchsorted(path.epochs, min(early, int(path.epochs[-1])), side="right") - 1)


def _moments(path: TrainingPath, early: int) -> dict[str, int]:
    """Snapshot index of each moment compared: ``{EARLY: k, END: last}``."""
    return {kinds.EARLY: snapshot(path, early), kinds.END: len(path.thetas) - 1}


# ----- the run at a glance -------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview(_Downhill):
    """The training run: ``epochs (s,)`` of its snapshots (0 is the initial weights) and the
    full-batch training ``losses (s,)`` there; ``early`` is the index of the snapshot compared
    with the end; ``diverged_at`` the epoch a run blew up (its later snapshots are dropped).

    The trained network over the plane: ``prob (len(ys), len(xs))`` is its P(class 1) on the grid
    ``xs, ys``, ``boundary (k, 4)`` the segments ``x, y, x2, y2`` where it is one half; ``X (n, 2)``
    and ``labels (n,)`` (0 or 1) are the training points, ``accuracy`` the share it gets right;
    ``scale`` is the data set's loss scale (:func:`loss_scale`).
    """

    data: str
    n_params: int
    scale: float
    epochs: np.ndarray
    losses: np.ndarray
    early: int
    diverged_at: int | None
    accuracy: float
    xs: np.ndarray
    ys: np.ndarray
    prob: np.ndarray
    boundary: np.ndarray
    X: np.ndarray
    labels: np.ndarray

    @property
    def loss_start(self) -> float:
        return float(self.losses[0])

    @property
    def loss_early(self) -> float:
        return float(self.losses[self.early])

    @property
    def loss_end(self) -> float:
        return float(self.losses[-1])

    @property
    def epochs_run(self) -> int:
        return int(self.epochs[-1])

    @property
    def epoch_early(self) -> int:
        return int(self.epochs[self.early])

    @property
    def snapshots(self) -> int:
        return len(self.epochs)

    @property
    def too_short(self) -> bool:
        """Fewer than three snapshots: too few for a path to cut along."""
        return self.snapshots < 3

    @property
    def fell(self) -> bool:
        """The loss ended below where it started."""
        return self.loss_end < self.loss_start

    @property
    def rose_early(self) -> bool:
        """The loss at the early snapshot is above the start."""
        return self.loss_early > self.loss_start

    @property
    def made_early(self) -> float:
        """The share of the whole fall, start to end, made by the early snapshot (at most 1; NaN when
        the loss did not fall)."""
        fall = self.loss_start - self.loss_end
        return min((self.loss_start - self.loss_early) / fall, 1.0) if fall > 0 else float("nan")


def overview(path: TrainingPath, settings: Settings) -> Overview:
    net = path.net
    X, Y = net.X, net.Y[:, 0]
    pad = 0.35
    (x0, y0), (x1, y1) = X.min(axis=0) - pad, X.max(axis=0) + pad
    xs, ys = np.linspace(x0, x1, DECISION_SIDE), np.linspace(y0, y1, DECISION_SIDE)
    gx, gy = np.meshgrid(xs, ys)
    theta = path.thetas[-1]
    prob = net.activations(theta, np.column_stack([gx.ravel(), gy.ravel()]))[-1][:, 0].reshape(gy.shape)
    fitted = net.activations(theta)[-1][:, 0]
    return Overview(
        data=settings.data,
        n_params=net.n_params,
        scale=loss_scale(net),
        epochs=path.epochs,
        losses=path.losses,
        early=snapshot(path, settings.early),
        diverged_at=path.diverged_at,
        accuracy=float(((fitted > 0.5) == (Y > 0.5)).mean()),
        xs=xs,
        ys=ys,
        prob=prob,
        boundary=contour_segments(xs, ys, prob, [0.5])[:, :4],
        X=X,
        labels=(Y > 0.5).astype(int),
    )


# ----- one cut per weight ----------------------------------------------------------------------------


def sample_weights(net, chosen: int, k: int, seed: int) -> list[int]:
    """The reader's weight (0-based index ``chosen``) and ``k - 1`` others, drawn in turn from every
    layer's matrix and from the biases."""
    rng = np.random.default_rng(seed + PICK_SEED)
    starts = np.cumsum([0] + [i * o for i, o in net.shapes])
    pools = [np.arange(a, b) for a, b in pairwise(starts)]
    pools.append(np.arange(starts[-1], net.n_params))  # biases
    picks = [chosen]
    while len(picks) < k:
        pool = pools[len(picks) % len(pools)]
        i = int(rng.choice(pool))
        if i not in picks:
            picks.append(i)
    return picks


def _pre_activations(net, theta) -> list[np.ndarray]:
    """Each hidden layer's pre-activations over the training points, ``(n, units)`` per layer."""
    Ws, bs = net.unpack(np.asarray(theta, dtype=float))
    layers = net.activations(theta)
    return [layers[k] @ Ws[k] + bs[k] for k in range(len(Ws) - 1)]


def _off(net, theta, i: int, span: float) -> tuple[bool, bool]:
    """For weight ``i`` of a ReLU network at ``theta``: is the unit it feeds off (pre-activation
    at most 0) at every training point all along its cut of ``±span``, and is the unit it comes
    from off at every training point (so the weight carries nothing)? ``(False, False)`` for
    other activations, whose units never switch off."""
    if net.activation != "relu":
        return False, False
    kind, k, r, c = net.layer_of(i)
    pre = _pre_activations(net, theta)
    into = False
    if k < len(pre):  # a hidden unit: moving its weight by a shifts it by a times the weight's input
        feed = 1.0 if kind == "bias" else net.activations(theta)[k][:, r]
        into = bool(np.all(pre[k][:, c] + span * np.abs(feed) <= 0))
    source = kind == "weight" and k >= 1 and bool(np.all(pre[k - 1][:, r] <= 0))
    return into, source


@dataclass(frozen=True)
class WeightCuts(_Downhill):
    """The loss along ``N_AXIS_CUTS`` single weights, each moved across ``alphas`` while every
    other weight stays put, at both moments.

    ``picks`` are 0-based indices (the reader's ``weight`` first), ``names`` say where each weight
    sits (:meth:`NetworkLoss.describe`); ``losses[moment] (k, len(alphas))`` and
    ``courses[moment] (k,)`` (ids of :data:`kinds.CUT_COURSES`, downhill beyond
    :attr:`downhill_drop`) per moment id. ``slope[moment]`` is the loss's partial derivative along
    the reader's weight. At the end, its cut is ``flat_end`` (the loss does not change at all:
    :func:`explainer.core.landscape.unchanged`) or ``data_blind`` (only the weight penalty changes,
    to the same round-off); ``into_off`` / ``from_off`` say whether that is because it feeds, or
    comes from, a ReLU unit that is off at every training point.
    """

    activation: str
    scale: float
    weight: int
    span: float
    picks: tuple[int, ...]
    names: tuple[str, ...]
    alphas: np.ndarray
    epochs: Mapping[str, int]
    losses: Mapping[str, np.ndarray]
    courses: Mapping[str, np.ndarray]
    slope: Mapping[str, float]
    flat_end: bool
    data_blind: bool
    into_off: bool
    from_off: bool

    @property
    def centre(self) -> int:
        return len(self.alphas) // 2

    @property
    def downhill(self) -> dict[str, int]:
        return {m: int(np.sum(c == kinds.DOWNHILL)) for m, c in self.courses.items()}

    @property
    def chosen(self) -> str:
        return self.names[0]


def weight_cuts(path: TrainingPath, settings: Settings) -> WeightCuts:
    net = path.net
    index_ = int(settings.weight) - 1
    span = float(settings.span)
    moments = _moments(path, settings.early)
    picks = sample_weights(net, index_, N_AXIS_CUTS, settings.seed)
    alphas = np.linspace(-span, span, CUT_POINTS)
    centre = CUT_POINTS // 2
    scale = loss_scale(net)
    losses, courses, slope = {}, {}, {}
    for moment, k in moments.items():
        theta = path.thetas[k]
        c = landscape.axis_cuts(net, theta, alphas, picks)
        losses[moment] = c
        courses[moment] = landscape.courses(c, centre, DOWNHILL_SHARE * scale)
        slope[moment] = float(net.gradient(theta)[index_])
    theta_end = path.thetas[-1]
    here = losses[kinds.END][0, centre]
    change = losses[kinds.END][0] - here
    kind = net.layer_of(index_)[0]
    w = float(theta_end[index_])
    penalty = 0.5 * net.alpha * ((w + alphas) ** 2 - w**2) / len(net.X) if kind == "weight" else 0.0 * alphas
    into, source = _off(net, theta_end, index_, span)
    return WeightCuts(
        activation=settings.activation,
        scale=scale,
        weight=int(settings.weight),
        span=span,
        picks=tuple(picks),
        names=tuple(net.describe(i) for i in picks),
        alphas=alphas,
        epochs={m: int(path.epochs[k]) for m, k in moments.items()},
        losses=losses,
        courses=courses,
        slope=slope,
        flat_end=bool(landscape.unchanged(change, here)[0]),
        data_blind=bool(landscape.unchanged(change - penalty, here)[0]),
        into_off=into,
        from_off=source,
    )


# ----- every weight's cut ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EveryWeight(_Downhill):
    """All ``n_params`` one-weight cuts at both moments, each weight moved on its own by
    ``±span/2`` and ``±span``: ``tally[moment]`` counts them by course (``{course id: count}``,
    every id of :data:`kinds.CUT_COURSES`; downhill beyond :attr:`downhill_drop`, ``scale`` being
    :func:`loss_scale`), and ``slopes[moment] (n_params,)`` is each cut's slope where it passes
    through the network (the gradient).

    At the end, ``flat_off`` of the perfectly flat cuts are biases of ReLU units that stay off at
    every training point even with the bias raised by ``span``, and ``zero_off`` of the exactly
    zero slopes are biases of ReLU units off at every training point.
    """

    n_params: int
    scale: float
    span: float
    epochs: Mapping[str, int]
    tally: Mapping[str, Mapping[str, int]]
    slopes: Mapping[str, np.ndarray]
    flat_off: int
    zero_off: int

    @property
    def offsets(self) -> tuple[float, ...]:
        return (-self.span, -self.span / 2, self.span / 2, self.span)

    @property
    def n_losses(self) -> int:
        """Losses computed per moment: every weight at every offset."""
        return self.n_params * len(self.offsets)

    def downhill(self, moment: str) -> int:
        return int(self.tally[moment][kinds.DOWNHILL])

    def median(self, moment: str) -> float:
        """Median |slope| of the cuts."""
        return float(np.median(np.abs(self.slopes[moment])))

    def steepest(self, moment: str) -> float:
        return float(np.abs(self.slopes[moment]).max())

    def flat_share(self, moment: str) -> float:
        """Share of the cuts flatter than :data:`FLAT_SLOPE`."""
        return float(np.mean(np.abs(self.slopes[moment]) < FLAT_SLOPE))

    @property
    def zero_slopes(self) -> int:
        """Slopes exactly zero at the end."""
        return int(np.sum(self.slopes[kinds.END] == 0))


def _biases_off(net, theta, shift: float) -> np.ndarray:
    """Which entries of theta are biases of hidden ReLU units whose pre-activation stays at most 0
    at every training point when raised by ``shift``: ``(n_params,)`` booleans."""
    off = np.zeros(net.n_params, dtype=bool)
    if net.activation != "relu":
        return off
    at = sum(i * o for i, o in net.shapes)
    for pre in _pre_activations(net, theta):
        off[at : at + pre.shape[1]] = pre.max(axis=0) + shift <= 0
        at += pre.shape[1]
    return off


def every_weight(path: TrainingPath, settings: Settings) -> EveryWeight:
    net = path.net
    span = float(settings.span)
    moments = _moments(path, settings.early)
    offsets = np.array([-span, -span / 2, span / 2, span])
    scale = loss_scale(net)
    tally, slopes, course = {}, {}, None
    for moment, k in moments.items():
        theta = path.thetas[k]
        whole = np.insert(landscape.axis_cuts(net, theta, offsets), 2, net.loss(theta), axis=1)
        course = landscape.courses(whole, 2, DOWNHILL_SHARE * scale)
        tally[moment] = {c: int(np.sum(course == c)) for c in kinds.CUT_COURSES}
        slopes[moment] = net.gradient(theta)
    end = path.thetas[-1]
    return EveryWeight(
        n_params=net.n_params,
        scale=scale,
        span=span,
        epochs={m: int(path.epochs[k]) for m, k in moments.items()},
        tally=tally,
        slopes=slopes,
        flat_off=int(np.sum((course == kinds.FLAT_CUT) & _biases_off(net, end, span))),
        zero_off=int(np.sum((slopes[kinds.END] == 0) & _biases_off(net, end, 0.0))),
    )


# ----- random directions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RandomCuts(_Downhill):
    """The loss along ``count`` random Gaussian directions, filter-normalised at each moment
    (Li et al. 2018: each neuron's share rescaled to that neuron's weights; biases get none, so a
    direction moves the :data:`N_WEIGHTS` matrix entries only), over steps ``alphas`` from -1 to 1:
    ``losses[moment] (count, len(alphas))`` and ``courses[moment] (count,)`` per moment id
    (downhill beyond :attr:`downhill_drop`, ``scale`` being :func:`loss_scale`).
    ``same`` marks a run whose early snapshot is its end."""

    count: int
    scale: float
    alphas: np.ndarray
    epochs: Mapping[str, int]
    losses: Mapping[str, np.ndarray]
    courses: Mapping[str, np.ndarray]
    same: bool

    @property
    def centre(self) -> int:
        return len(self.alphas) // 2

    @property
    def downhill(self) -> dict[str, int]:
        return {m: int(np.sum(c == kinds.DOWNHILL)) for m, c in self.courses.items()}

    @property
    def fewer(self) -> int:
        """How many fewer directions lead downhill at the end than early."""
        return self.downhill[kinds.EARLY] - self.downhill[kinds.END]

    def rise(self, moment: str) -> float:
        """Median, over the directions, of the largest rise of the loss within one step."""
        c = self.losses[moment]
        return float(np.median(c.max(axis=1) - c[:, self.centre]))


def random_cuts(path: TrainingPath, settings: Settings) -> RandomCuts:
    net = path.net
    count = int(settings.directions)
    moments = _moments(path, settings.early)
    raw = landscape.random_directions(net.n_params, count, settings.seed + DIRECTION_SEED)
    alphas = np.linspace(-1, 1, FAN_POINTS)
    scale = loss_scale(net)
    losses, courses = {}, {}
    for moment, k in moments.items():
        theta = path.thetas[k]
        c = landscape.cuts(net, theta, landscape.filter_normalise(net, raw, theta), alphas)
        losses[moment] = c
        courses[moment] = landscape.courses(c, FAN_POINTS // 2, DOWNHILL_SHARE * scale)
    return RandomCuts(
        count=count,
        scale=scale,
        alphas=alphas,
        epochs={m: int(path.epochs[k]) for m, k in moments.items()},
        losses=losses,
        courses=courses,
        same=moments[kinds.EARLY] == moments[kinds.END],
    )


# ----- the plane of the path, and the straight line ----------------------------------------------------


@dataclass(frozen=True)
class PathView:
    """The plane through the end point spanned by the training path's two main directions
    (:func:`explainer.core.landscape.path_plane`): each snapshot's ``coords (s, 2)`` in it and
    distance ``off_plane (s,)`` from it, the share of the path each direction holds
    (``explained (2,)``), and the loss ``z (len(ys), len(xs))`` over the grid ``xs, ys`` of that
    plane. ``line (len(ts),)`` is the loss along the straight line ``(1 - t) start + t end``.
    ``distance`` is from start to end, ``travelled`` the length of the path (weight units)."""

    epochs: np.ndarray
    losses: np.ndarray
    coords: np.ndarray
    off_plane: np.ndarray
    explained: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    ts: np.ndarray
    line: np.ndarray
    distance: float
    travelled: float

    @property
    def held(self) -> float:
        return float(self.explained.sum())

    @property
    def off_max(self) -> float:
        return float(self.off_plane.max())

    @property
    def off_max_epoch(self) -> int:
        return int(self.epochs[int(np.argmax(self.off_plane))])

    @property
    def bounds(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return (float(self.xs[0]), float(self.xs[-1])), (float(self.ys[0]), float(self.ys[-1]))

    @property
    def _inside(self) -> np.ndarray:
        return self.line[(self.ts >= 0) & (self.ts <= 1)]

    @property
    def line_start(self) -> float:
        return float(self._inside[0])

    @property
    def line_end(self) -> float:
        return float(self._inside[-1])

    @property
    def beyond(self) -> float:
        """The loss at the far end of the line, past the trained weights."""
        return float(self.line[-1])

    @property
    def bump(self) -> float:
        """Largest rise between t = 0 and 1 above the lowest value before it (0 if it only falls)."""
        inside = self._inside
        return float(np.max(inside - np.minimum.accumulate(inside)))

    @property
    def no_bump(self) -> bool:
        """No rise on the way above :data:`LEVEL` of the loss at the start."""
        return self.bump <= LEVEL * self.line_start

    @property
    def level_beyond(self) -> bool:
        """Past the trained weights the loss stays within :data:`LEVEL` of its value there."""
        return abs(self.beyond - self.line_end) < LEVEL * self.line_end

    @property
    def t_far(self) -> float:
        """How far past the trained weights the line reaches (``t`` at its end)."""
        return float(self.ts[-1])


def path_plane(path: TrainingPath, settings: Settings) -> PathView:
    del settings  # the plane and the line depend on the run alone
    net = path.net
    pp = landscape.path_plane(path.thetas)
    (a0, b0), (a1, b1) = pp.coords.min(axis=0), pp.coords.max(axis=0)
    reach = max(a1 - a0, b1 - b0, 1e-6)
    pad = 0.2 * reach
    # Equal units on both axes, but never thinner than 40% of the wider side.
    half_b = max((b1 - b0) / 2 + pad, 0.4 * (a1 - a0 + 2 * pad) / 2)
    mid_b = (b0 + b1) / 2
    xs = np.linspace(a0 - pad, a1 + pad, PLANE_SIDE)
    ys = np.linspace(mid_b - half_b, mid_b + half_b, PLANE_SIDE)
    ts = np.linspace(*LINE_RANGE, LINE_POINTS)
    return PathView(
        epochs=path.epochs,
        losses=path.losses,
        coords=pp.coords,
        off_plane=pp.off_plane,
        explained=pp.explained,
        xs=xs,
        ys=ys,
        z=landscape.plane(net, pp.origin, *pp.directions, xs, ys),
        ts=ts,
        line=landscape.segment(net, path.thetas[0], path.thetas[-1], ts),
        distance=float(np.linalg.norm(path.thetas[0] - path.thetas[-1])),
        travelled=float(np.linalg.norm(np.diff(path.thetas, axis=0), axis=1).sum()),
    )


# ----- curvature at the end ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Curvature(_Downhill):
    """The Hessian's smallest (``low``) and largest (``high``) eigenvalues at the end of training,
    found by Lanczos iteration on exact Hessian-vector products, and the loss along their unit
    eigenvectors, ``steep`` and ``lowest`` (``(len(alphas),)`` each, over ``±EIGEN_SPAN``);
    ``carriers`` weights carry 90% of the lowest one's squared length, the largest of them alone
    ``largest_share`` (:func:`carriers`). Each eigenvector is turned so that its largest entry is
    positive (a solver returns either sign, and a link must draw the same cut every time).

    ``failed`` says why the eigenvalues could not be found (then ``low``, ``high`` are NaN and the
    cuts empty). ``loss`` and ``grad_norm`` are the loss and gradient norm at the end, ``scale``
    the data set's loss scale (:func:`loss_scale`); ``still_falling`` whether the last epoch
    lowered the loss, ``best_epoch`` the epoch of the lowest loss and ``above_best`` how far above
    it the end is (a share).
    """

    loss: float
    scale: float
    grad_norm: float
    failed: str | None
    low: float
    high: float
    alphas: np.ndarray
    steep: np.ndarray
    lowest: np.ndarray
    carriers: int
    largest_share: float
    still_falling: bool
    best_epoch: int
    last_epoch: int
    above_best: float

    @property
    def drop(self) -> float:
        """How far the loss falls below its value at the end, along the lowest eigenvector."""
        return float(self.loss - self.lowest.min()) if self.lowest.size else float("nan")

    @property
    def drop_at(self) -> float:
        """How far along the lowest eigenvector the loss is lowest."""
        return float(abs(self.alphas[int(np.argmin(self.lowest))])) if self.lowest.size else float("nan")

    @property
    def rise(self) -> float:
        """How far the loss climbs along the steepest eigenvector."""
        return float(self.steep.max() - self.loss) if self.steep.size else float("nan")

    @property
    def negative(self) -> bool:
        """A direction bends down beyond round-off: whatever else, the end is not a minimum."""
        return self.failed is None and index([self.low, self.high]) > 0

    @property
    def bends_down(self) -> bool:
        """The smallest eigenvalue is below minus :data:`BENDS_DOWN` of the largest."""
        return self.failed is None and self.low < -BENDS_DOWN * self.high

    @property
    def real_drop(self) -> bool:
        """The cut along the lowest eigenvector goes downhill: it falls by more than
        :attr:`downhill_drop`, the bar of every other cut."""
        return self.failed is None and self.drop > self.downhill_drop

    @property
    def critical(self) -> bool:
        """The end is a critical point as far as the page's cuts can tell: even its steepest cut,
        along the gradient, is flatter than :data:`FLAT_SLOPE` (the gradient norm is below it)."""
        return self.grad_norm < FLAT_SLOPE

    @property
    def stable_step(self) -> float:
        """The largest step plain gradient descent can take along the steepest direction without
        overshooting further each step: 2 / ``high``."""
        return 2 / self.high if self.high > 0 else float("inf")

    @property
    def rose_since_best(self) -> bool:
        """The lowest loss came before the end, and the end sits more than :data:`LEVEL` above it."""
        return self.above_best > LEVEL

    @property
    def gentler(self) -> float:
        """How many times more gently the lowest direction bends down than the steepest bends up."""
        return float(self.high / -self.low) if self.low < 0 else float("inf")

    @property
    def quadratic_drop(self) -> float:
        """The drop the lowest curvature alone predicts at ``±EIGEN_SPAN`` (``-low * span² / 2``)."""
        return float(-0.5 * self.low * EIGEN_SPAN**2) if self.low < 0 else 0.0

    @property
    def bend_fades(self) -> bool:
        """The lowest curvature alone predicts a larger fall at ``±EIGEN_SPAN`` than the cut shows."""
        return self.quadratic_drop > max(self.drop, 0.0)


def carriers(v: np.ndarray) -> tuple[int, float]:
    """How many entries of ``v`` carry 90% of its squared length, and the largest share one carries."""
    shares = np.sort(np.asarray(v, dtype=float) ** 2)[::-1] / np.sum(np.asarray(v, dtype=float) ** 2)
    return int(np.searchsorted(np.cumsum(shares), 0.9) + 1), float(shares[0])


def _oriented(v: np.ndarray) -> np.ndarray:
    """``v`` turned so that its largest entry (in size) is positive."""
    return v if v[np.argmax(np.abs(v))] >= 0 else -v


def curvature(path: TrainingPath, settings: Settings) -> Curvature:
    net, theta = path.net, path.thetas[-1]
    losses = path.losses
    common = dict(
        loss=float(losses[-1]),
        scale=loss_scale(net),
        grad_norm=float(np.linalg.norm(net.gradient(theta))),
        still_falling=bool(len(losses) > 1 and losses[-1] < losses[-2]),
        best_epoch=int(path.epochs[int(np.argmin(losses))]),
        last_epoch=int(path.epochs[-1]),
        above_best=float(losses[-1] / losses.min() - 1),
    )
    try:
        with np.errstate(all="ignore"):
            low, high, v_low, v_high = extreme_eigenvalues(
                lambda v: net.hvp(theta, v), net.n_params, k=1, seed=settings.seed, tol=1e-6, vectors=True
            )
        if not (np.isfinite(low).all() and np.isfinite(high).all()):
            raise ArithmeticError("non-finite eigenvalues")
    except (ArithmeticError, RuntimeError, ValueError) as error:  # ARPACK's errors are RuntimeErrors
        empty = np.empty(0)
        return Curvature(
            failed=f"{type(error).__name__}: {error}",
            low=float("nan"),
            high=float("nan"),
            alphas=empty,
            steep=empty,
            lowest=empty,
            carriers=0,
            largest_share=float("nan"),
            **common,
        )
    alphas = np.linspace(-EIGEN_SPAN, EIGEN_SPAN, EIGEN_POINTS)
    v_steep, v_lowest = _oriented(v_high[:, -1]), _oriented(v_low[:, 0])
    steep, lowest = landscape.cuts(net, theta, np.vstack([v_steep, v_lowest]), alphas)
    n, largest = carriers(v_lowest)
    return Curvature(
        failed=None,
        low=float(low[0]),
        high=float(high[-1]),
        alphas=alphas,
        steep=steep,
        lowest=lowest,
        carriers=n,
        largest_share=largest,
        **common,
    )


# ----- precomputed parts -------------------------------------------------------------------------------

#: Each part of the view, by the name its precomputed default is stored under
#: (:mod:`explainer.core.store`): its analysis, and the settings it reads beyond the run's.
OVERVIEW, WEIGHT_CUTS, EVERY_WEIGHT, RANDOM_CUTS, PATH_PLANE, CURVATURE = (
    "landscape.overview",
    "landscape.weight-cuts",
    "landscape.every-weight",
    "landscape.random-cuts",
    "landscape.path-plane",
    "landscape.curvature",
)
PARTS: dict[str, tuple[Callable, tuple[str, ...]]] = {
    OVERVIEW: (overview, ("early",)),
    WEIGHT_CUTS: (weight_cuts, ("early", "weight", "span")),
    EVERY_WEIGHT: (every_weight, ("early", "span")),
    RANDOM_CUTS: (random_cuts, ("early", "directions")),
    PATH_PLANE: (path_plane, ()),
    CURVATURE: (curvature, ()),
}


def result(name: str, settings: Settings, path: Callable[[], TrainingPath]):
    """Part ``name`` of the view at ``settings`` (only the fields it reads kept): read from its
    precomputed file at the defaults, otherwise computed on the run that ``path()`` returns. That
    is called only then, so a page hands in its cached training and the default view trains
    nothing; the stored results are plain arrays, the run itself (which holds a fitted
    scikit-learn model) is never stored."""
    analysis, reads = PARTS[name]
    settings = settings.only(*reads)
    if settings == store.DEFAULTS[name][1]:
        found = store.stored(name)
        if found is not None and found[0] == settings:
            return found[1]
    run = path()
    with one_thread():
        return analysis(run, settings)


def _fresh(analysis: Callable) -> Callable[[Settings], object]:
    """``analysis`` on a run trained afresh: what ``python -m explainer.precompute`` stores."""

    def fresh(settings: Settings):
        run = train(settings)
        with one_thread():
            return analysis(run, settings)

    return fresh


for _name, (_analysis, _reads) in PARTS.items():
    store.register(_name, _fresh(_analysis), DEFAULT.only(*_reads))
