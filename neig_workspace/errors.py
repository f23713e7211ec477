"""The error a use case raises when it refuses: a message for the user and the form field."""


class ServiceError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def audit_refusal(self) -> None:
        """Record the refusal in the audit log; called after the caller rolled back (most
        refusals are not security events and record nothing)."""


def roll_back_refusal(error: ServiceError) -> None:
    """Roll back the refused use case, then audit the refusal (if it is audited) in a
    transaction of its own."""
    from .extensions import db

    db.session.rollback()
    if type(error).audit_refusal is not ServiceError.audit_refusal:
        error.audit_refusal()
        db.session.commit()
