"""Shared helpers of the Airflow client compatibility scripts (2.x and 3.x clients)."""
import sys
import time


def check(name, condition, detail=""):
    """Prints `ok <name>`, or `FAIL <name>` and exits: the test reads these lines."""
    if not condition:
        print(f"FAIL {name} {detail}", flush=True)
        sys.exit(1)
    print(f"ok {name}", flush=True)


def status_of(call):
    """The HTTP status `call` failed with (the client raises ApiException), or None when it succeeded."""
    try:
        call()
    except Exception as error:  # both generations raise airflow_client.client ApiException subclasses
        return getattr(error, "status", None)
    return None


def wait_for(read_state, wanted, timeout=30):
    """Polls `read_state()` until it returns one of `wanted`; returns the last state."""
    deadline = time.time() + timeout
    state = read_state()
    while state not in wanted and time.time() < deadline:
        time.sleep(0.2)
        state = read_state()
    return state
