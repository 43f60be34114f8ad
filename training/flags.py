"""Command-line flags made from dataclass fields: one flag per setting (models.settings.option), its
help from the field's metadata."""

import argparse
import dataclasses
import typing


def parse(description: str, argv: list[str] | None, *classes) -> argparse.Namespace:
    """Parse `argv` into one namespace holding every setting of `classes` (their other fields, such as
    a model's vocabulary size, come from the data), and --print-config."""
    parser = parser_of(description, *classes)
    parser.add_argument(
        "--print-config", action="store_true", help="print the resolved settings as JSON and exit"
    )
    return parser.parse_args(argv)


def parser_of(description: str, *classes) -> argparse.ArgumentParser:
    """A parser with one flag per setting of `classes`."""
    parser = argparse.ArgumentParser(description=description, formatter_class=_DefaultsHelp)
    for cls in classes:  # argparse refuses a setting that two of them declare
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            if "help" in field.metadata:
                _add(parser, field, hints[field.name])
    return parser


class _DefaultsHelp(argparse.ArgumentDefaultsHelpFormatter):
    """Each flag's help, then its default, unless that is empty: a default that other flags decide
    (translation's --out) is told in the help itself."""

    def _get_help_string(self, action: argparse.Action) -> str:
        return action.help if action.default == "" else super()._get_help_string(action)


def _add(parser: argparse.ArgumentParser, field: dataclasses.Field, kind) -> None:
    flag = "--" + field.name.replace("_", "-")
    help = field.metadata["help"].replace("%", "%%")
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
