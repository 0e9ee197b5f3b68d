"""The one error the engine raises."""


class DomainError(Exception):
    """A command that the session's rules do not allow; nothing was changed."""

    def __init__(self, message: str, code: str = "rejected") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
