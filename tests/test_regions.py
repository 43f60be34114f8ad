"""The image grid's regions: named like chess squares, row by row as the model's regions come."""

import pytest

from models.regions import region_cell, region_name, region_names
from models.vision import GRID


def test_regions_are_named_like_chess_squares_row_by_row():
    names = region_names()
    assert (names[0], names[1], names[GRID], names[8], names[-1]) == ("A1", "B1", "A2", "B2", "G7")
    assert len(set(names)) == GRID * GRID and region_names(2) == ["A1", "B1", "A2", "B2"]


def test_a_name_and_its_cell_convert_both_ways():
    assert region_cell("B3") == (2, 1) and region_name(2, 1) == "B3"
    for index, name in enumerate(region_names()):
        assert region_cell(name) == divmod(index, GRID)  # the model's region `index`, flattened row by row
        assert region_name(*region_cell(name)) == name
    with pytest.raises(ValueError):
        region_cell("H1")
