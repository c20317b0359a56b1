"""Errors a user can act on. Each message names the bad input and the fix."""


class BreakerlabError(Exception):
    """Base of every error breakerlab raises on purpose."""


class ConfigError(BreakerlabError, ValueError):
    """A parameter is wrong; raised before anything starts."""


class StackError(BreakerlabError, RuntimeError):
    """The stack could not start, reload or answer."""
