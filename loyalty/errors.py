"""The one domain exception that services raise; the API and the admin turn it into a message."""


class ApplicationError(Exception):
    """A business rule refused the operation. Nothing was written.

    ``field`` names the input at fault when there is one; ``code`` is a stable
    machine-readable identifier (``insufficient_points``, ``duplicate_order``...).
    """

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    def __str__(self) -> str:
        return self.message


def not_found(kind: str, pk, *, field: str | None = None) -> ApplicationError:
    """``There is no member with id 7.``: the one wording of a missing object (``not_found``)."""
    return ApplicationError(f"There is no {kind} with id {pk}.", code="not_found", field=field)


def idempotency_conflict(what: str = "change") -> ApplicationError:
    """A retry's key that names another operation: the one wording (``idempotency_conflict``)."""
    return ApplicationError(
        f"This idempotency key was already used for another {what}.",
        code="idempotency_conflict",
        field="idempotency_key",
    )
