"""The error a use case raises when it refuses: a message for the user and the form field."""


class ServiceError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
