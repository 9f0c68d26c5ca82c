"""The one exception the parser raises for documents it cannot use."""


class PlanParseError(Exception):
    """A document that cannot be read as a plan. The message is shown to office users,
    so it is written in Chinese and says what to do about it."""
