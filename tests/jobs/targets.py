"""A job kind for the tests, registered in one line as any other would be: it always fails."""

from neig_workspace import jobs

KIND = "tests.always_fails"


def always_fails(note: str) -> None:
    raise RuntimeError(f"mislukt met opzet ({note})")


def register() -> None:
    """In the test process and in the worker's (live_app.py): the registry is per process."""
    if KIND not in jobs.KINDS:
        jobs.register(KIND, "tests.jobs.targets.always_fails", retry_setting="TEST_RETRY_INTERVALS")
