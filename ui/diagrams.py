"""Pictures of the cell: the folded loop and the unfolded chain as Graphviz, matrices as LaTeX."""

import numpy as np

WEIGHT_COLOURS = {"W_x": "#4c78a8", "W_h": "#e45756", "W_y": "#54a24b"}


def bmatrix(values: np.ndarray, digits: int = 2) -> str:
    """A vector (as a column) or a matrix in LaTeX."""
    rows = values.reshape(-1, 1) if values.ndim == 1 else values
    body = r" \\ ".join(" & ".join(f"{v:.{digits}f}" for v in row) for row in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def _edge(source: str, target: str, weight: str, bold: bool = False) -> str:
    width = 3 if bold else 1.2
    return f'{source} -> {target} [label="{weight}", color="{WEIGHT_COLOURS[weight]}", penwidth={width}];'


def folded() -> str:
    """The cell drawn once, with its loop: the state feeds itself back through W_h."""
    return "\n".join(
        [
            "digraph { rankdir=BT; node [shape=circle, fontname=Helvetica]; edge [fontname=Helvetica];",
            'x [label="x_t"]; h [label="h_t", shape=box, style=rounded]; y [label="y_t"];',
            _edge("x", "h", "W_x"),
            _edge("h", "y", "W_y"),
            _edge("h", "h", "W_h"),
            "}",
        ]
    )


def unfolded(inputs: str, current: int) -> str:
    """One copy of the cell per input, the same three weights on every copy; step `current` bold."""
    lines = ["digraph { rankdir=BT; node [shape=circle, fontname=Helvetica]; edge [fontname=Helvetica];"]
    lines.append('h0 [label="h_0", shape=box, style="rounded,dashed"];')
    for t, letter in enumerate(inputs, start=1):
        fill = ', style="rounded,filled", fillcolor="#fde9a9"' if t == current else ', style="rounded"'
        lines.append(f'x{t} [label="x_{t}\\n{letter}"]; y{t} [label="y_{t}"];')
        lines.append(f'h{t} [label="h_{t}", shape=box{fill}];')
        lines += [
            _edge(f"x{t}", f"h{t}", "W_x", t == current),
            _edge(f"h{t - 1}", f"h{t}", "W_h", t == current),
            _edge(f"h{t}", f"y{t}", "W_y", t == current),
        ]
    lines.append("{ rank=same; " + " ".join(f"h{t}" for t in range(len(inputs) + 1)) + " }")
    return "\n".join(lines + ["}"])
