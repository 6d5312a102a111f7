"""schemathesis hooks for scripts/contract-fuzz.

Each generated request that carries a well-formed Idempotency-Key gets a fresh one when it is
sent, as a client's retry logic does: two different requests under one key are refused by
design (422 `idempotency_key_reused`), and replays are the black-box suite's to test
(tests/tests/http.rs). Malformed keys are left as generated, so their refusal is still
checked, and so are the coverage phase's requests that leave a header out on purpose.
"""

import re
import uuid

import schemathesis

WELL_FORMED = re.compile(r"^[\x21-\x7E]{1,255}$")


def _leaves_a_parameter_out(case):
    data = getattr(getattr(getattr(case, "meta", None), "phase", None), "data", None)
    scenario = getattr(data, "scenario", None)
    return scenario is not None and "MISSING" in str(scenario).upper()


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if not case.headers or _leaves_a_parameter_out(case):
        return
    for name, value in list(case.headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and WELL_FORMED.match(value):
            case.headers[name] = f"fuzz-{uuid.uuid4().hex}"
