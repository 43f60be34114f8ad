"""Errors a page can show in the visitor's language, while str() stays English for the command line,
the tests and the logs."""


class Said(Exception):
    """An error worded `text`, its {placeholders} filled from `values`; `key` names the same wording
    in locales/<language>/errors.toml (tests/test_errors.py keeps the English one equal to `text`)."""

    def __init__(self, text: str, key: str, /, **values):
        super().__init__(text.format(**values))
        self.key, self.values = key, values


class InputError(Said, ValueError):
    """Input a model cannot take: empty, unreadable, or beyond what it can write."""


def first_line(error: BaseException, limit: int = 120) -> str:
    """What a message quotes of an error it could not avoid: its first line, cut to `limit`
    characters (its type's name when it has no text)."""
    return (str(error).splitlines() or [type(error).__name__])[0][:limit]
