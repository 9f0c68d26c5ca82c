"""Schemathesis hooks for the fuzz test (loaded through SCHEMATHESIS_HOOKS).

A generated path id is replaced by one of the collection's real ids (of both plans,
visible and not, and a missing one), chosen by the generated value so that shrinking
still works: detail and action endpoints then see real objects instead of answering
404 to almost every example. Malformed ids in paths have tests of their own
(tests/api/test_schemathesis.py)."""

import ast
import json
import os
import threading
from functools import cache

import schemathesis

# Schemathesis's workers are threads, and Hypothesis parses lambdas' source to describe
# strategies: ast.parse in two threads at once fails on CPython 3.11 with a spurious
# SystemError (python/cpython#106905). One parse at a time.
_parse, _parse_lock = ast.parse, threading.Lock()


def _parse_one_at_a_time(*args, **kwargs):
    with _parse_lock:
        return _parse(*args, **kwargs)


ast.parse = _parse_one_at_a_time


@cache
def _ids() -> dict:
    return json.loads(open(os.environ["CARBONPLAN_FUZZ_IDS"]).read())


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    if not path_parameters or "id" not in path_parameters:
        return path_parameters
    collection = context.operation.path.removeprefix("/api/").split("/", 1)[0]
    ids = _ids().get(collection)
    if ids:
        value = path_parameters["id"]
        index = value if isinstance(value, int) else sum(map(ord, str(value)))
        path_parameters["id"] = ids[index % len(ids)]
    return path_parameters
