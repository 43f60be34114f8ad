"""Command-line flags made from dataclass fields: one flag per field, its help from the metadata."""

import argparse
import dataclasses
import typing


def option(default, help: str, *, choices=None, minimum=None, below=None):
    """A dataclass field that becomes a documented flag; values outside [minimum, below) are refused."""
    metadata = {"help": help, "choices": choices, "minimum": minimum, "below": below}
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def parse(description: str, argv: list[str] | None, *classes, exclude=()) -> argparse.Namespace:
    """Parse `argv` into one namespace holding every field of `classes` (except `exclude`)."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    seen = set()
    for cls in classes:
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            if field.name in exclude or field.name in seen:
                continue
            seen.add(field.name)
            _add(parser, field, hints[field.name])
    parser.add_argument(
        "--print-config", action="store_true", help="print the resolved settings as JSON and exit"
    )
    return parser.parse_args(argv)


def _add(parser: argparse.ArgumentParser, field: dataclasses.Field, kind) -> None:
    flag = "--" + field.name.replace("_", "-")
    help = field.metadata.get("help", " ").replace("%", "%%")
    default = field.default_factory() if callable(field.default_factory) else field.default
    if kind is bool:
        parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default, help=help)
        return
    nargs = "+" if typing.get_origin(kind) is list else None
    convert = _bounded(typing.get_args(kind)[0] if nargs else kind, field.metadata)
    choices = field.metadata.get("choices")
    parser.add_argument(flag, nargs=nargs, type=convert, default=default, choices=choices, help=help)


def _bounded(kind, metadata: dict):
    """`kind`, refusing values below metadata["minimum"] or at/above metadata["below"]."""
    low, high = metadata.get("minimum"), metadata.get("below")

    def convert(text: str):
        value = kind(text)
        if (low is not None and value < low) or (high is not None and value >= high):
            bounds = f"at least {low}" if high is None else f"in [{low}, {high})"
            raise argparse.ArgumentTypeError(f"{text} is not {bounds}")
        return value

    convert.__name__ = kind.__name__  # argparse names the type in its messages
    return convert


def pick(cls, namespace: argparse.Namespace, **overrides):
    """An instance of `cls` from the namespace's matching attributes."""
    names = {f.name for f in dataclasses.fields(cls)}
    values = {k: v for k, v in vars(namespace).items() if k in names}
    return cls(**{**values, **overrides})
