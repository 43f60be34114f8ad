"""The image grid's regions by name, like chess squares: "A1" (top left) ... "G7", each a (row, column)."""

import numbers
from collections.abc import Iterable

import torch

from models.errors import InputError
from models.vision import GRID


def region_name(row: int, column: int) -> str:
    """Column letter, then row number from the top: (2, 1) -> "B3"."""
    return f"{chr(ord('A') + column)}{row + 1}"


def region_names(grid: int = GRID) -> list[str]:
    """The cells of a grid x grid image grid, row by row, as the model's regions come."""
    return [region_name(row, column) for row in range(grid) for column in range(grid)]


def region_cell(name: str, grid: int = GRID) -> tuple[int, int]:
    """The (row, column) of a region of a grid x grid grid by its name: "B3" -> (2, 1)."""
    return divmod(region_names(grid).index(name), grid)


def visible_regions(hide: Iterable[tuple[int, int]]) -> torch.Tensor:
    """The mask [1, 49] of regions the decoder may see: every cell of the 7x7 grid but the (row, col)
    cells in `hide`."""
    visible = torch.ones(GRID, GRID, dtype=torch.bool)
    for cell in hide:
        visible[_grid_cell(cell)] = False
    if not visible.any():
        raise InputError(
            "All 49 regions are hidden: leave the decoder at least one to look at.", "regions.all_hidden"
        )
    return visible.view(1, -1)


def _grid_cell(cell) -> tuple[int, int]:
    try:
        row, col = cell
    except (TypeError, ValueError):
        row = col = None
    if not all(isinstance(i, numbers.Integral) and 0 <= i < GRID for i in (row, col)):
        last = GRID - 1
        raise ValueError(f"{cell!r} is not a cell of the grid: give (row, column), each from 0 to {last}.")
    return int(row), int(col)
