"""An email backend whose server refuses every message, for the outbox tests."""

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):  # noqa: ANN001, ANN201
        raise ConnectionRefusedError("connection refused by the test backend")
