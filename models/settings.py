"""A setting: a dataclass field with the help text its command-line flag shows (training/flags.py)."""

import dataclasses


def option(default, help: str, *, choices=None, minimum=None, below=None):
    """A dataclass field that becomes a documented flag; values outside [minimum, below) are refused."""
    metadata = {"help": help, "choices": choices, "minimum": minimum, "below": below}
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)
