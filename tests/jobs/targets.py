"""A job kind for the tests, registered in one line as any other would be: it always fails."""

import os
import signal

from neig_workspace import jobs

KIND = "tests.always_fails"
DIES = "tests.dies"


def always_fails(note: str) -> None:
    raise RuntimeError(f"mislukt met opzet ({note})")


def dies() -> None:
    """The work horse is killed mid-job (as the kernel's OOM killer would): no except runs."""
    os.kill(os.getpid(), signal.SIGKILL)


def register() -> None:
    """In the test process and in the worker's (live_app.py): the registry is per process."""
    if KIND not in jobs.KINDS:
        jobs.register(KIND, "tests.jobs.targets.always_fails", retry_setting="TEST_RETRY_INTERVALS")
    if DIES not in jobs.KINDS:
        jobs.register(DIES, "tests.jobs.targets.dies")
