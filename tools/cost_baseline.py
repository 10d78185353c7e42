"""Write ``tests/cost_baseline.json`` from the last full test run's record.

The test run schedules the heaviest notebooks and test modules first (``tests/conftest.py``),
by the seconds each took in the last run on this machine (``build/executed/costs.json``). A
fresh clone has no such record; the committed baseline gives it the same order. Refresh it
after a `make test` when tests or notebooks changed a lot::

    python tools/cost_baseline.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.executed import seconds_per_module  # noqa: E402  (stdlib only: no test harness)

RECORD = ROOT / "build" / "executed" / "costs.json"
BASELINE = ROOT / "tests" / "cost_baseline.json"


def baseline(record: dict) -> dict:
    """Seconds per test module and per notebook, rounded, from a costs.json record."""
    modules = seconds_per_module(record.get("tests", {}))
    return {"about": "seconds per test module and notebook in a full run; written by "
                     "tools/cost_baseline.py, read by tests/conftest.py when this machine "
                     "has no record of its own",
            "modules": {m: round(s, 1) for m, s in sorted(modules.items())},
            "notebooks": {n: round(float(s), 1)
                          for n, s in sorted(record.get("notebooks", {}).items())}}


def main() -> int:
    try:
        record = json.loads(RECORD.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"error: no test-run record to read ({exc}); run `make test` first")
        return 1
    BASELINE.write_text(json.dumps(baseline(record), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {BASELINE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
