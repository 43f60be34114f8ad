"""Keep an analysis: its per-step arrays as files to download, CSV (one row per value) or NPZ."""

import functools
import io

import numpy as np
import pandas as pd
import streamlit as st

from ui.language import t


def as_npz(tokens: list[str], arrays: dict[str, np.ndarray]) -> bytes:
    """The tokens and every array under its name, compressed; np.load reads it without pickle."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, tokens=np.array(tokens, dtype=str), **arrays)
    return buffer.getvalue()


def as_csv(tokens: list[str], arrays: dict[str, np.ndarray], labels: dict[str, list[str]]) -> bytes:
    """One row per value of the arrays [steps, ...]: step, token, quantity, index, value. An array's
    values are numbered in row-major order, or named by `labels[name]` where it has them."""
    parts = []
    for name, values in arrays.items():
        flat = values.reshape(len(tokens), -1)  # [steps, values per step]
        index = labels.get(name, [str(i) for i in range(flat.shape[1])])
        parts.append(
            pd.DataFrame(
                {
                    "step": np.repeat(np.arange(len(tokens)), flat.shape[1]),
                    "token": np.repeat(tokens, flat.shape[1]),
                    "quantity": name,
                    "index": np.tile(index, len(tokens)),
                    "value": flat.ravel(),
                }
            )
        )
    return pd.concat(parts).to_csv(index=False).encode()


def download_ui(
    stem: str, tokens: list[str], arrays: dict[str, np.ndarray], labels: dict[str, list[str]]
) -> None:
    """Two buttons that download the arrays [steps, ...] over `tokens`, as CSV and as NPZ; the files are
    written only when a button is clicked."""
    left, right = st.columns(2)
    left.download_button(
        t("ui.download.csv"),
        functools.partial(as_csv, tokens, arrays, labels),
        file_name=f"{stem}.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
    )
    right.download_button(
        t("ui.download.npz"),
        functools.partial(as_npz, tokens, arrays),
        file_name=f"{stem}.npz",
        mime="application/octet-stream",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
    )
