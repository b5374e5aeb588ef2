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
