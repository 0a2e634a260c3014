"""Shared helpers of the mlflow client compatibility scripts."""
import sys

from mlflow.exceptions import MlflowException, RestException


def check(name, condition, detail=""):
    """Prints `ok <name>`, or `FAIL <name>` and exits: the test reads these lines."""
    if not condition:
        print(f"FAIL {name} {detail}", flush=True)
        sys.exit(1)
    print(f"ok {name}", flush=True)


def error_code(call):
    """The MLflow error code `call` raised, or None when it succeeded."""
    try:
        call()
    except (MlflowException, RestException) as error:
        return error.error_code
    return None
