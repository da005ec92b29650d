"""The glossary: every term a first-year student might stumble on in this walkthrough, defined
once in plain words, and which terms each section uses.

A term's ``name`` is the name the prose uses (the same thing has the same name everywhere: a
"saddle", "flat ground", a "valley floor"); ``forms`` is a regular expression for the spellings
it takes in the text (plurals, a longer or shorter name, the symbol). :data:`USED` declares, per
section slug, the terms its text uses, in the order they first matter there; tests run every
section and check the declaration against what the section really says, both ways, so a new
sentence with a new term fails until the term is listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One glossary entry: the name the prose uses, a plain definition, and the forms it takes."""

    name: str
    definition: str
    forms: str

    def pattern(self) -> re.Pattern:
        return re.compile(rf"(?<![\w-])(?:{self.forms})(?![\w-])", re.IGNORECASE)

    def found_in(self, text: str) -> bool:
        return self.pattern().search(text) is not None


_TERMS = (
    Term(
        "loss",
        "One number for how wrong the network is on its training data (the training loss); training "
        "tries to make it small. The loss over all weights is the *landscape* this walkthrough explores.",
        r"loss(?:es)?|training loss",
    ),
    Term(
        "test loss",
        "The loss (or the test error, the share of wrong answers) on data the network never "
        "trained on: how well it does on new cases.",
        r"test (?:loss|error|accuracy)",
    ),
    Term("weight", "One of the numbers inside a network that training changes (biases included, here).", r"weights?"),
    Term(
        "gradient",
        "The direction in which the loss rises fastest. Its length, the gradient norm, is the slope "
        "there: zero at the bottom of a valley, and also on a saddle or flat ground.",
        r"gradients?(?: norms?)?",
    ),
    Term(
        "gradient descent",
        "Training by small steps against the gradient, downhill. Plain descent is its "
        "simplest form: one fixed step size, no momentum, all the data at once.",
        r"gradient descent|plain descent",
    ),
    Term(
        "backpropagation",
        "How a network works out its gradient: the error at the output is passed back "
        "through the layers, giving each weight its share.",
        r"backprop(?:agation)?",
    ),
    Term(
        "step size",
        "How far each step of descent moves, as a multiple of the gradient (also called the "
        "learning rate). Too small and training crawls; too large and it overshoots or blows up.",
        r"step sizes?|learning rates?",
    ),
    Term("epoch", "One pass over all the training data; with mini-batches an epoch is many steps.", r"epochs?"),
    Term(
        "iteration",
        "One update of the weights by the optimiser (for L-BFGS, one of its line searches).",
        r"iterations?",
    ),
    Term(
        "mini-batch",
        "A small random handful of training samples. A step on a mini-batch follows a noisy "
        "estimate of the gradient; full-batch descent uses all the data every step.",
        r"mini-batch(?:es)?|full[- ]batch|batch size|batches",
    ),
    Term(
        "momentum",
        "Letting each step keep part of the previous one, like a ball that rolls on: it speeds "
        "descent along gentle slopes.",
        r"momentum",
    ),
    Term(
        "optimiser",
        "The rule that turns gradients into steps. SGD is gradient descent on mini-batches "
        "(here with momentum); Adam scales each weight's step by its own recent gradients; L-BFGS is a "
        "full-batch method that also estimates the curvature.",
        r"optimis(?:er|ers)|SGD|Adam|L-BFGS|lbfgs",
    ),
    Term(
        "diverge",
        "To blow up: each step overshoots by more than the last, and the loss runs off to infinity.",
        r"diverg(?:e|es|ed|ing|ence)|blew up|blow up|blows up",
    ),
    Term(
        "critical point",
        "A point where the gradient is exactly zero: a minimum, a maximum or a saddle. "
        "Descent can come to rest only near one (or on flat ground).",
        r"critical points?",
    ),
    Term(
        "minimum",
        "A point where every small step goes uphill: the loss curves up, or stays level, in every direction.",
        r"(?<!local )(?<!global )minim(?:um|a)",
    ),
    Term(
        "local minimum",
        "A minimum that is not the lowest point: a valley with a higher floor than the deepest one.",
        r"local minim(?:um|a)",
    ),
    Term(
        "global minimum",
        "The lowest point of the whole loss: the best fit to the training data.",
        r"global minim(?:um|a)",
    ),
    Term(
        "saddle",
        "A critical point (also called a saddle point) where the ground curves up in some directions "
        "and down in others, like a mountain pass: downhill one way, uphill the other.",
        r"saddles?(?: points?)?",
    ),
    Term(
        "strict saddle",
        "A saddle with at least one clearly downhill direction (a negative Hessian "
        "eigenvalue), which descent almost always leaves.",
        r"strict saddles?",
    ),
    Term(
        "monkey saddle",
        "A saddle with three ways down and three up (like x³ − 3xy²) and no curvature at all "
        "at its centre, so descent leaves it very slowly.",
        r"monkey saddles?",
    ),
    Term(
        "stable line",
        "The line through a saddle along which descent slides straight into it instead of "
        "away; a start a hair off it still escapes.",
        r"stable lines?",
    ),
    Term(
        "plateau",
        "A wide stretch of flat ground at a high loss, where the gradient is tiny and steps crawl.",
        r"plateaus?|plateaux",
    ),
    Term(
        "flat ground",
        "Ground where the loss barely changes in any direction: gradient and curvature both close to zero.",
        r"flat ground",
    ),
    Term(
        "valley floor",
        "The bottom line of a long valley: the ground curves up across it and barely slopes "
        "along it, so descent can crawl along it without being at a critical point.",
        r"valley floors?",
    ),
    Term(
        "barrier",
        "How much higher the rim of a valley is than its floor: the climb training must make to leave it.",
        r"barriers?",
    ),
    Term(
        "curvature",
        "How fast the slope changes along a direction: positive where the ground bends up like a "
        "bowl, negative where it bends down, zero where it is straight.",
        r"curvatures?",
    ),
    Term(
        "Hessian",
        "The table of the loss's curvatures along every pair of weights. Its eigenvalues say how "
        "the ground bends at a point.",
        r"Hessians?",
    ),
    Term(
        "eigenvalue",
        "A Hessian's eigenvalues are the curvatures along its own special directions, the "
        "eigenvectors: all positive at a minimum, some negative at a saddle.",
        r"eigenvalues?|eigenvectors?",
    ),
    Term(
        "downhill directions",
        "At a critical point, the number of directions in which the ground curves down "
        "(the Hessian's negative eigenvalues); also called its index. Zero means a minimum.",
        r"downhill directions?|index(?:es)?",
    ),
    Term(
        "sharpness",
        "The steepest curvature at a minimum (the Hessian's largest eigenvalue): a sharp "
        "minimum is a narrow valley, a flat one a wide valley.",
        r"sharpness|sharp minim(?:um|a)",
    ),
    Term(
        "Lanczos",
        "A method that finds a huge matrix's largest and smallest eigenvalues from a few dozen "
        "products with it, without ever writing the matrix down.",
        r"Lanczos",
    ),
    Term(
        "random direction",
        "A direction in weight space drawn at random, so a cut along it moves every weight at once.",
        r"random directions?",
    ),
    Term(
        "filter normalisation",
        "Scaling a random direction so that each neuron's part of it is as large as "
        "that neuron's own weights: a step of 1 then changes every neuron by about its own size (Li et al., "
        "2018).",
        r"filter[- ]normalis(?:ed|ation)",
    ),
    Term(
        "principal components",
        "The directions in which a set of points (here the snapshots of training) "
        "spread out most; the first two span the plane that shows the most of the path.",
        r"principal components?|PCA",
    ),
    Term(
        "hidden units",
        "The neurons between a network's input and its output; more of them make a wider, more flexible network.",
        r"hidden units?|hidden layers?",
    ),
    Term(
        "activation",
        "The function each hidden unit applies to its input: ReLU (zero below zero, straight "
        "above), tanh and the logistic sigmoid (both S-shaped, flattening out for large inputs).",
        r"activations?|ReLU|tanh|logistic|sigmoid",
    ),
    Term(
        "saturated",
        "A sigmoid or tanh unit pushed so far onto its flat tail that its output hardly changes, "
        "so its gradient is almost zero.",
        r"saturat(?:e|es|ed|ing|ion)",
    ),
    Term(
        "XOR",
        "The four-point problem (0,0) and (1,1) in one class, (0,1) and (1,0) in the other: no single "
        "straight line separates them, so a network needs hidden units.",
        r"XOR",
    ),
    Term(
        "overfitting",
        "Fitting the training data so closely, noise included, that the network does worse on new data.",
        r"overfit(?:s|ting|ted)?",
    ),
    Term("generalise", "To do well on new data, not only on the data trained on.", r"generalis(?:e|es|ed|ing|ation)"),
    Term(
        "validation set",
        "Training data held back to decide when to stop or which settings to keep; the "
        "test data stay unseen until the end.",
        r"validation(?: sets?)?",
    ),
    Term(
        "early stopping",
        "Stopping training when the loss on a validation set stops falling, before the network starts fitting noise.",
        r"early[- ]stop(?:ping|ped)",
    ),
    Term(
        "L2 penalty",
        "A term added to the loss that grows with the squared size of the weights (its "
        "strength is alpha, α, in scikit-learn), so training prefers small weights; a form of regularisation.",
        r"(?:L2|weight) penalty|penalty|alpha|α",
    ),
    Term(
        "regularisation",
        "Anything that keeps a network from fitting noise, such as the L2 penalty or early stopping.",
        r"regularis(?:ed|ation|ing)",
    ),
    Term(
        "noise",
        "Random variation: in the data (labels off the true curve) or in training (mini-batches, or "
        "random kicks added to each step).",
        r"noise|noisy",
    ),
    Term(
        "Kramers' law",
        "The physics of a ball shaken in a valley: the time to escape grows exponentially "
        "with the barrier divided by the strength of the shaking.",
        r"Kramers'?(?: law)?",
    ),
    Term(
        "random matrix",
        "A symmetric matrix with random entries, a stand-in for the Hessian at a random "
        "critical point; the random-matrix law says how its eigenvalues spread.",
        r"random(?:-| )matri(?:x|ces)|random symmetric matri(?:x|ces)",
    ),
    Term("Monte Carlo", "Estimating a probability by drawing many random cases and counting.", r"Monte Carlo"),
    Term(
        "Spearman's ρ",
        "A number from −1 to 1 for how consistently one quantity rises (or falls) with "
        "another, by rank: 0 means no link.",
        r"Spearman(?:'s)?|ρ",
    ),
    Term(
        "p-value",
        "How often a link at least this strong would show up by pure chance; below 0.05 is usually taken as real.",
        r"p-values?|p\s?=|p\s?<",
    ),
)

#: Every term, by name.
TERMS: dict[str, Term] = {t.name: t for t in _TERMS}

#: The terms each section's text uses (its slug), in the order they first matter there.
USED: dict[str, tuple[str, ...]] = {
    "descent": (
        "weight",
        "step size",
        "activation",
        "loss",
        "L2 penalty",
        "gradient",
        "backpropagation",
        "epoch",
        "mini-batch",
        "critical point",
        "saddle",
        "local minimum",
        "Hessian",
        "eigenvalue",
        "iteration",
        "minimum",
        "global minimum",
        "diverge",
        "curvature",
        "valley floor",
        "optimiser",
        "momentum",
        "noise",
        "gradient descent",
        "strict saddle",
    ),
    "landscape": (
        "loss",
        "weight",
        "hidden units",
        "activation",
        "L2 penalty",
        "saturated",
        "optimiser",
        "mini-batch",
        "epoch",
        "gradient",
        "gradient descent",
        "global minimum",
        "Hessian",
        "eigenvalue",
        "minimum",
        "random direction",
        "critical point",
        "curvature",
        "backpropagation",
        "filter normalisation",
        "principal components",
        "saddle",
        "Lanczos",
        "iteration",
    ),
    "critical-points": (
        "gradient",
        "saddle",
        "plateau",
        "curvature",
        "critical point",
        "flat ground",
        "Hessian",
        "optimiser",
        "noise",
        "mini-batch",
        "step size",
        "global minimum",
        "local minimum",
        "strict saddle",
        "downhill directions",
        "weight",
        "valley floor",
        "eigenvalue",
        "gradient descent",
        "iteration",
        "loss",
        "minimum",
    ),
    "local-minimum": (
        "local minimum",
        "mini-batch",
        "noise",
        "weight",
        "loss",
        "step size",
        "gradient",
        "iteration",
        "barrier",
        "curvature",
        "Kramers' law",
        "sharpness",
        "saddle",
        "gradient descent",
        "activation",
        "XOR",
        "optimiser",
        "momentum",
        "epoch",
        "L2 penalty",
        "hidden units",
        "minimum",
    ),
    "saddle-point": (
        "saddle",
        "weight",
        "gradient",
        "minimum",
        "critical point",
        "p-value",
        "Hessian",
        "curvature",
        "random matrix",
        "eigenvalue",
        "Monte Carlo",
        "monkey saddle",
        "optimiser",
        "noise",
        "step size",
        "stable line",
        "gradient descent",
        "loss",
        "iteration",
        "strict saddle",
        "downhill directions",
        "mini-batch",
        "epoch",
        "XOR",
        "activation",
        "hidden units",
        "Spearman's ρ",
    ),
    "plateau": (
        "plateau",
        "gradient",
        "loss",
        "weight",
        "saddle",
        "step size",
        "optimiser",
        "momentum",
        "gradient descent",
        "hidden units",
        "saturated",
        "XOR",
        "L2 penalty",
        "iteration",
        "activation",
        "flat ground",
        "local minimum",
        "epoch",
        "mini-batch",
    ),
    "overfitting": (
        "global minimum",
        "loss",
        "overfitting",
        "local minimum",
        "test loss",
        "noise",
        "generalise",
        "weight",
        "early stopping",
        "validation set",
        "epoch",
        "L2 penalty",
        "hidden units",
        "mini-batch",
        "optimiser",
        "minimum",
        "sharpness",
        "curvature",
        "eigenvalue",
        "Hessian",
        "Spearman's ρ",
        "p-value",
        "gradient",
        "regularisation",
        "activation",
    ),
    "claims": (
        "gradient",
        "global minimum",
        "epoch",
        "Hessian",
        "eigenvalue",
        "minimum",
        "saddle",
        "plateau",
        "local minimum",
        "mini-batch",
        "noise",
        "barrier",
        "weight",
        "p-value",
        "downhill directions",
        "critical point",
        "loss",
        "activation",
        "XOR",
        "hidden units",
        "overfitting",
        "generalise",
        "test loss",
        "curvature",
        "saturated",
        "step size",
        "early stopping",
        "regularisation",
    ),
}


def used_in(text: str) -> list[str]:
    """The glossary terms ``text`` uses, in the order they first appear."""
    found = []
    for term in TERMS.values():
        match = term.pattern().search(text)
        if match is not None:
            found.append((match.start(), term.name))
    return [name for _, name in sorted(found)]


def entries(slug: str) -> tuple[tuple[str, str], ...]:
    """``(name, definition)`` for each term the section ``slug`` uses, in order (none if it lists none)."""
    return tuple((name, TERMS[name].definition) for name in USED.get(slug, ()))
