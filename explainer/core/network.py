"""The loss a fitted scikit-learn MLP minimises, as a function of one flat vector of its weights.

:class:`NetworkLoss` reproduces scikit-learn's own training loss (log-loss or half squared
error, plus the ``alpha`` L2 penalty on the weight matrices) for an ``MLPClassifier`` or
``MLPRegressor``, with exact gradients by backpropagation and exact Hessian-vector products by
the complex step: ``H v = Im(grad(theta + i h v)) / h`` for a tiny ``h``, which has no
cancellation error because the gradient code is analytic in ``theta``.

The flat vector is ordered as scikit-learn packs it: every weight matrix (row-major), then
every bias vector.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainer.core.special import expit, xlogy


def _logistic(z):
    """The logistic function, also for the complex arrays of :meth:`NetworkLoss.hvp`: written
    as ``exp(z) / (1 + exp(z))`` where ``z`` is very negative, so that it never overflows."""
    if not np.iscomplexobj(z):
        return expit(z)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(z.real >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))


def _relu(z):
    return np.where(z.real > 0, z, 0)


# name -> (activation, its derivative written in terms of the activation's output)
ACTIVATIONS = {
    "identity": (lambda z: z, lambda a: np.ones_like(a)),
    "tanh": (np.tanh, lambda a: 1 - a * a),
    "logistic": (_logistic, lambda a: a * (1 - a)),
    "relu": (_relu, lambda a: (a.real > 0).astype(float)),
}


def _softmax(z):
    e = np.exp(z - z.real.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


OUTPUTS = {"identity": lambda z: z, "logistic": _logistic, "softmax": _softmax}

#: The same hidden activations, in place on real arrays: the hot loop of loss_many and of the
#: one-weight cuts in :mod:`explainer.core.landscape`.
IN_PLACE = {
    "identity": lambda z: z,
    "tanh": lambda z: np.tanh(z, out=z),
    "logistic": lambda z: expit(z, out=z),
    "relu": lambda z: np.maximum(z, 0, out=z),
}


def flat_weights(model) -> np.ndarray:
    """A fitted scikit-learn MLP's weights as one vector, packed as scikit-learn packs them:
    every weight matrix (row-major), then every bias vector."""
    return np.concatenate([W.ravel() for W in model.coefs_] + [b.ravel() for b in model.intercepts_])


@dataclass(frozen=True, eq=False)
class NetworkLoss:
    """Training loss of an MLP over its flat parameter vector ``theta`` of length ``n_params``.

    Build it with :meth:`from_model`. ``X`` is ``(n, d)``; ``Y`` is the target matrix the model
    fits, ``(n, outputs)``: one-hot (or a single 0/1 column) for classifiers, values for
    regressors.
    """

    shapes: tuple[tuple[int, int], ...]
    activation: str
    output: str
    loss_name: str
    X: np.ndarray
    Y: np.ndarray
    alpha: float
    theta0: np.ndarray

    @classmethod
    def from_model(cls, model, X, y) -> NetworkLoss:
        """The loss ``model`` (a fitted ``MLPClassifier`` or ``MLPRegressor``) minimises on ``(X, y)``."""
        X = np.asarray(X, dtype=float)
        if hasattr(model, "_label_binarizer"):
            Y = model._label_binarizer.transform(y).astype(float)
            loss_name = "binary_log_loss" if model.out_activation_ == "logistic" else "log_loss"
        else:
            Y = np.asarray(y, dtype=float).reshape(len(X), -1)
            loss_name = "squared_error"
        if model.activation not in ACTIVATIONS:
            raise ValueError(f"unsupported activation {model.activation!r}")
        if model.out_activation_ not in OUTPUTS:
            raise ValueError(f"unsupported output activation {model.out_activation_!r}")
        theta0 = flat_weights(model)
        return cls(
            shapes=tuple(W.shape for W in model.coefs_),
            activation=model.activation,
            output=model.out_activation_,
            loss_name=loss_name,
            X=X,
            Y=Y,
            alpha=float(model.alpha),
            theta0=theta0.astype(float),
        )

    @property
    def n_params(self) -> int:
        return sum(i * o + o for i, o in self.shapes)

    def unpack(self, theta) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Weight matrices and bias vectors (views into ``theta`` of shape ``(..., n_params)``)."""
        theta = np.asarray(theta)
        lead = theta.shape[:-1]
        Ws, bs, at = [], [], 0
        for i, o in self.shapes:
            Ws.append(theta[..., at : at + i * o].reshape(*lead, i, o))
            at += i * o
        for _, o in self.shapes:
            bs.append(theta[..., at : at + o])
            at += o
        return Ws, bs

    def layer_of(self, i: int) -> tuple[str, int, int | None, int]:
        """Where weight ``i`` of theta sits: ``(kind, layer, row, column)`` with kind ``"weight"``
        (row = source unit, column = target unit) or ``"bias"`` (row ``None``); 0-based."""
        if not 0 <= i < self.n_params:
            raise IndexError(f"weight index {i} outside [0, {self.n_params})")
        at = 0
        for k, (n_in, n_out) in enumerate(self.shapes):
            if i < at + n_in * n_out:
                r, c = divmod(i - at, n_out)
                return "weight", k, r, c
            at += n_in * n_out
        for k, (_, n_out) in enumerate(self.shapes):
            if i < at + n_out:
                return "bias", k, None, i - at
            at += n_out
        raise AssertionError("unreachable")

    def unit_name(self, layer: int) -> str:
        """Plain name of layer ``layer`` of units: 0 is the input, the last is the output."""
        if layer == 0:
            return "input"
        return "output" if layer == len(self.shapes) else f"hidden {layer}"

    def describe(self, i: int) -> str:
        """Weight ``i`` in words, 1-based as a reader counts: "hidden 1 unit 5 → hidden 2 unit 17"."""
        kind, k, r, c = self.layer_of(i)
        target = self.unit_name(k + 1) + ("" if self.shapes[k][1] == 1 else f" unit {c + 1}")
        if kind == "bias":
            return f"bias of {target}"
        source = f"input {r + 1}" if k == 0 else f"{self.unit_name(k)} unit {r + 1}"
        return f"{source} → {target}"

    # ----- forward and loss ---------------------------------------------------------------

    def _forward(self, Ws, bs, X):
        """Activations of every layer; works on a batch of weights (leading axes) too."""
        act, _ = ACTIVATIONS[self.activation]
        layers = [X]
        last = len(Ws) - 1
        for k, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            z = layers[-1] @ W + b[..., None, :]
            layers.append(OUTPUTS[self.output](z) if k == last else act(z))
        return layers

    def _data_loss(self, p):
        Y = self.Y
        if self.loss_name == "squared_error":
            return 0.5 * ((Y - p) ** 2).mean(axis=-2).mean(axis=-1)
        eps = np.finfo(float).eps
        p = np.clip(p, eps, 1 - eps)
        if self.loss_name == "binary_log_loss":
            return -(xlogy(Y, p) + xlogy(1 - Y, 1 - p)).mean(axis=-2).sum(axis=-1)
        if p.shape[-1] == 1:  # log_loss on one column means two classes
            p = np.concatenate([1 - p, p], axis=-1)
        Y = Y if Y.shape[-1] == p.shape[-1] else np.concatenate([1 - Y, Y], axis=-1)
        return -xlogy(Y, p).mean(axis=-2).sum(axis=-1)

    def loss_from_logits(self, z):
        """:meth:`_data_loss` of the output layer's pre-activations ``z (..., n, outputs)``."""
        if self.loss_name != "binary_log_loss" or z.shape[-1] != 1:
            return self._data_loss(OUTPUTS[self.output](z))
        return self.logit_losses(np.array(z[..., 0])).mean(axis=-1)

    @staticmethod
    def sample_losses(z, y):
        """Binary log-loss of each sample from its logit ``z`` and its 0/1 label ``y``, by the
        very operations scikit-learn's ``binary_log_loss`` runs per sample: the probability
        ``expit(z)`` clipped to ``[eps, 1 - eps]``, then ``xlogy(y, p) + xlogy(1 - y, 1 - p)``.
        Each sample's value is therefore scikit-learn's own on any machine; a mean over samples
        may still differ from scikit-learn's in the last bits, since numpy may sum in another
        order."""
        eps = np.finfo(float).eps
        p = np.clip(expit(z), eps, 1 - eps)
        return -(xlogy(y, p) + xlogy(1 - y, 1 - p))

    def logit_losses(self, z, labels=None) -> np.ndarray:
        """:meth:`sample_losses` of the output logits ``z (..., n)`` of a binary classifier, the last
        axis running over the training samples (or over samples whose ``labels`` are given),
        computed in place in ``z`` (pass a temporary).

        For 0/1 labels ``xlogy(y, p) + xlogy(1 - y, 1 - p)`` is exactly ``log(p)`` or
        ``log(1 - p)`` (the other term is an exact zero), so one logarithm per sample gives
        :meth:`sample_losses`' value to the last bit, at about a third of the cost."""
        labels = self.Y[:, 0] if labels is None else labels
        if not np.all((labels == 0) | (labels == 1)):
            return self.sample_losses(z, np.broadcast_to(labels, z.shape))
        eps = np.finfo(float).eps
        p = expit(z, out=z)
        np.clip(p, eps, 1 - eps, out=p)
        np.subtract(1, p, out=p, where=labels == 0)
        np.log(p, out=p)
        return np.negative(p, out=p)

    def penalty(self, Ws):
        """scikit-learn's L2 term, ``alpha / 2 * sum of squared weights / n``, for the weight
        matrices ``Ws`` (biases are not penalised); works on a batch of networks too."""
        return 0.5 * self.alpha * sum((W * W).sum(axis=(-2, -1)) for W in Ws) / len(self.X)

    def activations(self, theta, X=None) -> list[np.ndarray]:
        """Every layer's values for inputs ``X`` (default: the training data), input first and
        the output (probabilities for a classifier) last."""
        Ws, bs = self.unpack(np.asarray(theta, dtype=float))
        return self._forward(Ws, bs, self.X if X is None else np.asarray(X, dtype=float))

    def loss(self, theta) -> float:
        """scikit-learn's training loss at ``theta (n_params,)``."""
        Ws, bs = self.unpack(np.asarray(theta, dtype=float))
        p = self._forward(Ws, bs, self.X)[-1]
        return float(self._data_loss(p) + self.penalty(Ws))

    value = loss  # so that a NetworkLoss is an objective for explainer.core.optimize.descend

    def loss_many(self, thetas, max_floats: int = 1_000_000) -> np.ndarray:
        """Loss at each row of ``thetas (k, n_params)``, in chunks of at most ``max_floats``
        activations per layer at a time; returns ``(k,)``.

        Each layer's activations live in one buffer reused by every chunk (fresh arrays of this
        size would cost a page fault per 4 KB each time), and the hidden activation is applied
        in place.
        """
        thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
        n = len(self.X)
        chunk = max(1, min(len(thetas), max_floats // (n * max(o for _, o in self.shapes))))
        hidden = IN_PLACE[self.activation]
        last = len(self.shapes) - 1
        buffers = [np.empty((chunk, n, o)) for _, o in self.shapes]
        logits = self.loss_name == "binary_log_loss" and self.shapes[-1][1] == 1
        n_weights = sum(i * o for i, o in self.shapes)  # the matrices come first in theta
        out = np.empty(len(thetas))
        for start in range(0, len(thetas), chunk):
            block = thetas[start : start + chunk]
            Ws, bs = self.unpack(block)
            m = len(Ws[0])
            a = self.X
            for k, (W, b) in enumerate(zip(Ws, bs, strict=True)):
                z = np.matmul(a, W, out=buffers[k][:m])  # (m, n, out): one matrix product per network
                z += b[:, None, :]
                a = z if k == last else hidden(z)
            # A binary classifier's loss straight from its logits (one logarithm per sample, in place).
            data = self.logit_losses(a[..., 0]).mean(axis=-1) if logits else self._data_loss(OUTPUTS[self.output](a))
            w = block[:, :n_weights]
            out[start : start + m] = data + 0.5 * self.alpha * np.einsum("ij,ij->i", w, w) / n
        return out

    # ----- derivatives --------------------------------------------------------------------

    def gradient(self, theta) -> np.ndarray:
        """Exact gradient of :meth:`loss` by backpropagation; ``(n_params,)``.

        Ignores the probability clipping of the log-loss, as scikit-learn's own backprop does;
        the two differ only where a probability is within machine epsilon of 0 or 1.

        For a regressor with several outputs this is the gradient of the loss scikit-learn
        reports (the squared error averaged over outputs), not the one its backprop returns:
        that one sums over outputs, so its data part is ``outputs`` times this one's (its penalty
        part is the same). With one output, as everywhere in this app, the two agree.
        """
        theta = np.asarray(theta)
        Ws, bs = self.unpack(theta)
        layers = self._forward(Ws, bs, self.X)
        n = len(self.X)
        # Output layer: every (output, loss) pair here is matched, so d loss / d z = (p - y) / n,
        # with an extra 1 / outputs for the squared error averaged over outputs.
        delta = (layers[-1] - self.Y) / n
        if self.loss_name == "squared_error":
            delta = delta / self.Y.shape[1]
        _, dact = ACTIVATIONS[self.activation]
        gW, gb = [None] * len(Ws), [None] * len(Ws)
        for k in range(len(Ws) - 1, -1, -1):
            gW[k] = layers[k].T @ delta + self.alpha * Ws[k] / n
            gb[k] = delta.sum(axis=0)
            if k:
                delta = (delta @ Ws[k].T) * dact(layers[k])
        return np.concatenate([g.ravel() for g in gW] + [g.ravel() for g in gb])

    def hvp(self, theta, v, h: float = 1e-20) -> np.ndarray:
        """Exact Hessian-vector product ``H(theta) v`` by the complex step; ``(n_params,)``."""
        theta = np.asarray(theta, dtype=float)
        v = np.asarray(v, dtype=float)
        return self.gradient(theta + 1j * h * v).imag / h

    def hessian(self, theta) -> np.ndarray:
        """The full Hessian, one :meth:`hvp` per column: for small networks only."""
        eye = np.eye(self.n_params)
        H = np.stack([self.hvp(theta, e) for e in eye], axis=1)
        return (H + H.T) / 2
