"""The units of a traced state in a heatmap: their order, colour range, the one following a trace."""

import numpy as np
from scipy.cluster.hierarchy import leaves_list, linkage

from models.cells import QUANTITIES

UNIT_ORDERS = ("index", "mean activation", "variance", "clustered")


def unit_order(values: np.ndarray, order: str) -> np.ndarray:
    """Display order of the units (columns) of values [steps, units], `order` one of UNIT_ORDERS."""
    if order == "mean activation":
        return np.argsort(-values.mean(axis=0), kind="stable")
    if order == "variance":
        return np.argsort(-values.var(axis=0), kind="stable")
    if order == "clustered" and values.shape[0] > 2 and values.shape[1] > 1:
        # Units whose activations rise and fall together sit side by side: average-linkage clustering
        # on the correlation of their traces (Euclidean between normalized traces), leaves in order.
        return leaves_list(linkage(_normalized(values).T, "average", optimal_ordering=True))
    return np.arange(values.shape[1])


def _normalized(values: np.ndarray) -> np.ndarray:
    """Each column centered and scaled to length 1 (a constant column becomes zeros)."""
    centered = values - values.mean(axis=0)
    norms = np.linalg.norm(centered, axis=0)
    return np.divide(centered, norms, out=np.zeros(centered.shape), where=norms > 0)


def state_domain(name: str, values: np.ndarray) -> tuple[float, float]:
    """The colour range of a traced quantity ("h", "layer0.forward.c", "decoder.update_gate", ...):
    the range models.cells.QUANTITIES gives it (gates 0..1, tanh states -1..1), and for the unbounded
    LSTM memory one symmetric around its largest value."""
    quantity = QUANTITIES.get(name.rsplit(".", 1)[-1])
    if quantity is None:
        return (-1.0, 1.0)
    if quantity.bounds is None:
        limit = float(np.abs(values).max()) or 1.0
        return (-limit, limit)
    return quantity.bounds


def closest_unit(values: np.ndarray, trace: np.ndarray) -> int:
    """The unit (column of values [steps, units]) whose activation best follows `trace` [steps]."""
    correlation = _normalized(trace[:, None])[:, 0] @ _normalized(values)
    return int(np.abs(correlation).argmax())
