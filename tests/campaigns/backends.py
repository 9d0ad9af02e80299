"""Email backends of the messaging tests: a worker that dies in the middle of a send.

They stand in for the mail server and the process (Django's email backend is a setting),
not for any code of the project.
"""

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend


class WorkerKilled(BaseException):  # noqa: N818 - what happened, like SystemExit
    """The process dies: no ``except Exception`` runs, nothing after it happens."""


DIE = {"at": 2, "after_send": False, "calls": 0}


class DyingBackend(EmailBackend):
    """Sends normally until the DIE["at"]-th message, where the worker dies (before or
    after the message has left)."""

    def send_messages(self, messages):
        DIE["calls"] += 1
        if DIE["calls"] == DIE["at"]:
            if DIE["after_send"]:
                super().send_messages(messages)
            raise WorkerKilled
        return super().send_messages(messages)


class RefusingBackend(EmailBackend):
    """A mail server that refuses everything (a transient error)."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


def outbox_for(email: str) -> int:
    return sum(1 for m in mail.outbox if m.to == [email])
