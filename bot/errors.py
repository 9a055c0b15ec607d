"""Errors that become replies. Anything else is a bug: logged, and the member gets an apology."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action, worded for the member. Nothing is changed."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(UserError):
    """The caller lacks the right for this action (logged as a refused attempt)."""
