"""The time of each part of `make test`, and the total against the suite's budget.

    python .ci/timed.py start                  the clock of the whole run starts
    python .ci/timed.py run NAME -- CMD ...    run CMD; keep its wall time and exit status
    python .ci/timed.py report                 print every part and the total against the budget

The parts run at once (make -j), so the total is the wall time since `start`, not their sum.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

BUDGET_SECONDS = 20 * 60
TIMES = Path(__file__).resolve().parent.parent / "test-results" / "times"


def start() -> int:
    TIMES.mkdir(parents=True, exist_ok=True)
    for old in TIMES.glob("*.json"):
        old.unlink()
    (TIMES / "start").write_text(str(time.time()))
    return 0


def run(name: str, command: list[str]) -> int:
    began = time.time()
    status = subprocess.call(command)  # noqa: S603 - the Makefile's own commands
    TIMES.mkdir(parents=True, exist_ok=True)
    record = {"name": name, "seconds": time.time() - began, "status": status, "began": began}
    (TIMES / f"{name}.json").write_text(json.dumps(record))
    return status


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60):d}:{int(seconds % 60):02d}"


def report() -> int:
    parts = sorted(
        (json.loads(path.read_text()) for path in TIMES.glob("*.json")),
        key=lambda part: part["began"],
    )
    started = float((TIMES / "start").read_text()) if (TIMES / "start").exists() else None
    total = time.time() - started if started else sum(part["seconds"] for part in parts)
    print("\nmake test: wall time per part (the test parts run at once)")
    if started and parts:
        print(f"  {'set-up (install, npm)':<26} {_minutes(parts[0]['began'] - started):>6}")
    for part in parts:
        outcome = "ok" if part["status"] == 0 else f"FAILED ({part['status']})"
        print(f"  {part['name']:<26} {_minutes(part['seconds']):>6}  {outcome}")
    verdict = "within" if total <= BUDGET_SECONDS else "OVER"
    print(
        f"  {'total':<26} {_minutes(total):>6}  {verdict} the budget of {_minutes(BUDGET_SECONDS)}"
    )
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["start"]:
        return start()
    if argv[:1] == ["report"]:
        return report()
    if argv[:1] == ["run"] and len(argv) > 3 and argv[2] == "--":
        return run(argv[1], argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
