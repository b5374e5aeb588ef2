"""The one error type services raise for a rule a person broke and can put right."""


class DomainError(Exception):
    """A refused change. `code` is stable (the API returns it); `message` is for people."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class ConflictError(DomainError):
    code = "conflict"
    status = 409


class NotAllowedError(DomainError):
    """The person is signed in and can see the record, but this change is not theirs to make."""

    code = "permission_denied"
    status = 403
