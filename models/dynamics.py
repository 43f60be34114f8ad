"""A first-order system x_t = f(x_{t-1}, u_t), y_t = g(x_t), run on plain numbers."""

import numpy as np

from models.errors import InputError

SIGNALS = ("pulse", "step", "sine", "typed")
NONLINEARITIES = {"linear": lambda v: v, "tanh": np.tanh}


def input_signal(kind: str, steps: int, typed: str = "") -> np.ndarray:
    """u_1 .. u_steps: a pulse at step 1, a step from step 1 on, a sine, or numbers typed by the user
    (separated by spaces or commas; missing steps are 0, extra numbers are dropped)."""
    t = np.arange(1, steps + 1)
    if kind == "pulse":
        return (t == 1).astype(float)
    if kind == "step":
        return np.ones(steps)
    if kind == "sine":
        return np.sin(2 * np.pi * t / 8)
    if kind == "typed":
        return _typed(typed, steps)
    raise ValueError(f"unknown signal {kind!r}; choose one of {SIGNALS}")


def _typed(text: str, steps: int) -> np.ndarray:
    values = np.zeros(steps)
    words = text.replace(",", " ").split()
    for i, word in enumerate(words[:steps]):
        try:
            values[i] = float(word)
        except ValueError:
            raise InputError(
                "{word} is not a number; type numbers such as 1 0 -0.5 2.",
                "dynamics.not_a_number",
                word=repr(word),
            ) from None
    if not np.isfinite(values).all():
        raise InputError("Type finite numbers (no inf or nan).", "dynamics.not_finite")
    return values


def simulate(u: np.ndarray, a: float, b: float, x0: float = 0.0, f: str = "linear", c: float = 1.0):
    """x_t = f(a x_{t-1} + b u_t) and y_t = c x_t for t = 1..len(u); returns x [0..T] and y [1..T]."""
    x = [x0]
    for u_t in u:
        x.append(float(NONLINEARITIES[f](a * x[-1] + b * u_t)))
    x = np.array(x)
    return x, c * x[1:]


def shares(a: float, b: float, steps: int) -> np.ndarray:
    """shares[t, k]: the part of x_t that x_0 (k = 0) and each input u_k (k = 1..t) make up in the
    linear system x_t = a x_{t-1} + b u_t, as a fraction of all their weights; 0 where k > t.

    Unrolled, x_t = a^t x_0 + sum_k a^(t-k) b u_k: with a = b = 0.5 the state after two steps is
    0.25 x_0 + 0.25 u_1 + 0.5 u_2, and the oldest information fades geometrically."""
    weights = np.zeros((steps + 1, steps + 1))
    for t in range(steps + 1):
        weights[t, 0] = abs(a) ** t
        for k in range(1, t + 1):
            weights[t, k] = abs(a) ** (t - k) * abs(b)
    total = weights.sum(axis=1, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
