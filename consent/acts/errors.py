"""The error every act raises when it cannot be done that way; its message is for the user."""


class RightsError(Exception):
    """A legal act cannot be carried out as asked; the message says why, for the user."""
