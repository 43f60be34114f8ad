"""Command-line training and evaluation: python -m training.<task> --help."""
