"""Run one fuzz property (``properties.PROPERTIES[name]``) under Hypothesis, in this process.

Started by ``test_fuzz.py`` as ``python _child.py NAME``; settings come from the
environment: ``LUCID_FUZZ_EXAMPLES`` (cases), ``LUCID_FUZZ_RANDOM`` (1: a
random seed; else Hypothesis is derandomized, so runs are reproducible) and
``LUCID_FUZZ_CASE_FILE`` (where each case's inputs are written before it runs).
Exit status 0: every case passed; 1: a case failed (Hypothesis prints the
falsifying example); death by a signal: a crash, reported by the parent.
"""

from __future__ import annotations

import os
import sys
import traceback


def main(name: str) -> int:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import properties
    from hypothesis import HealthCheck, Phase, settings

    test = {**properties.PROPERTIES, **properties.SELFTEST}[name]
    randomized = os.environ.get("LUCID_FUZZ_RANDOM", "0") == "1"
    configured = settings(
        max_examples=int(os.environ.get("LUCID_FUZZ_EXAMPLES", "20")),
        derandomize=not randomized,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink] if randomized else [Phase.explicit, Phase.generate],
    )(test)
    try:
        configured()
    except Exception:
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
