"""Which error codes each input of an API operation can answer: found, not listed.

drf-standardized-errors documents a field's codes from its declared error messages and
validators. That misses codes raised on other paths (a model choice filter refusing a
NUL character before it looks the value up, a custom field's own checks) and every
refusal a serializer's `validate`, a view or a service makes. So that a new field,
filter, serializer check or view refusal is documented without anyone listing it, the
schema (carbonplan/api_errors.py) adds, per operation:

1. **Probing.** Every input field — each filter of the operation's filter form, each
   field of its request body, nested ones included — is run on a battery of hostile
   values (empty, NUL characters, numbers beyond 64 bits, fractions, exponents, wrong
   JSON types, overlong text …) and the codes of the validation errors it answers are
   added to that field's. Related-object lookups run against an empty queryset, so
   probing never touches the database.
2. **Reading.** The code that runs for the operation — the view's handler for the
   action and the view methods it calls, the request serializer's `validate` and
   `validate_<field>` methods, the methods of project-defined fields, and the project
   functions and exception classes these call — is read for DRF validation errors:
   `ValidationError(…, code=…)` (`invalid` when no code is given), `ErrorDetail(…,
   code=…)`, `self.fail(code)`, `super().__init__(…, code=…)` in a ValidationError
   subclass. A code named by a module constant is resolved. The field is the key of the
   dict the error is raised with, the field a `validate_<field>` method or a field
   class checks, `non_field_errors` in `validate`, none (`attr: null`) for a message
   raised by a view; where the source builds the keys at run time, every field of the
   request body, `non_field_errors` and `__all__`.
3. **The domain rule.** A write is checked by the services behind it, which may refuse
   any field it takes: each writable field of a write operation's body, and
   `non_field_errors`, can answer `invalid`.

Documenting a code an input never answers costs a line of documentation; leaving out
one it answers breaks every client that validates responses against the schema.
"""

import ast
import copy
import functools
import inspect
import textwrap
import threading
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import QueryDict
from rest_framework import exceptions, serializers
from rest_framework.settings import api_settings
from rest_framework.validators import BaseUniqueForValidator, UniqueTogetherValidator, UniqueValidator

ROOT = Path(__file__).resolve().parent.parent
# ast.parse is not safe in several threads at once on CPython 3.11 (a spurious
# "SystemError: AST constructor recursion depth mismatch", python/cpython#106905), and
# `manage.py runserver` builds the schema in a thread per request.
PARSE_LOCK = threading.Lock()
NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY
DJANGO_NON_FIELD = "__all__"
# A pair (STATUS, "403") says the code raises a permission refusal: a read can answer
# 403 where the project's access rules refuse a read-only user (carbonplan/access.py).
STATUS = object()
# Keys built at run time (e.g. a service's message_dict): any of these.
ANY_FIELD = object()
NO_ATTR = None

# What a client may put in a query string.
HOSTILE_TEXT = (
    "", " ", "\x00", "a\x00b", "abc", "-1", "0", "1", "1.5", "1e3", "-7.6e95", "NaN", "Infinity",
    "9" * 30, "-" + "9" * 30, str(2**63), str(2**31), "１２", "true", "2026Q5", "2026-13-45",
    "2026-01-01", "x" * 10_001, "\u202e", "'; DROP TABLE x; --",
)  # fmt: skip
# … and in a JSON body.
HOSTILE_JSON = (
    *HOSTILE_TEXT, None, True, False, 0, -1, 1, 1.5, 10**30, -(10**30), 2**63, 2**31,
    [], [None], ["\x00"], [1, "a"], [10**30], {}, {"x": "\x00"}, [{}], [{"x": 1}],
    [{"indicator": 1, "value": "\x00"}], [{"indicator": "x", "done": 1}],
)  # fmt: skip


def _codes_of(detail) -> set[str]:
    """Every code in a DRF error detail (an ErrorDetail, a list or a dict of them)."""
    if isinstance(detail, dict):
        return set().union(*map(_codes_of, detail.values())) if detail else set()
    if isinstance(detail, list):
        return set().union(*map(_codes_of, detail)) if detail else set()
    code = getattr(detail, "code", None)
    return {code} if code else set()


# --- 1. probing --------------------------------------------------------------------------


def _without_database(field):
    """A copy of a form or serializer field whose lookups and unique checks never
    reach the database."""
    clone = copy.deepcopy(field)
    for holder in (clone, getattr(clone, "child_relation", None)):
        queryset = getattr(holder, "queryset", None)
        if queryset is not None and hasattr(queryset, "none"):
            holder.queryset = queryset.none()
    if isinstance(clone, serializers.Field):
        db_checks = (UniqueValidator, UniqueTogetherValidator, BaseUniqueForValidator)
        clone.validators = [v for v in clone.validators if not isinstance(v, db_checks)]
        if field.parent is not None:
            clone.bind(field.field_name, field.parent)
    return clone


def probe_form_field(name: str, field: forms.Field) -> set[str]:
    """Codes a filter form field answers to hostile query-string values."""
    clone = _without_database(field)
    codes = set()
    for value in HOSTILE_TEXT:
        data = QueryDict(urlencode({name: value}))
        try:
            clone.clean(clone.widget.value_from_datadict(data, {}, name))
        except DjangoValidationError as exc:
            codes.update(e.code or "invalid" for e in exc.error_list)
        except Exception:  # noqa: BLE001, S112 - a crash is the fuzz tests' to find, not the schema's
            continue
    return codes


def probe_serializer_field(field: serializers.Field) -> set[str]:
    """Codes a request-body field answers to hostile JSON values."""
    if field.read_only or isinstance(field, serializers.HiddenField):
        return set()
    clone = _without_database(field)
    codes = set()
    for value in HOSTILE_JSON:
        try:
            clone.run_validation(value)
        except serializers.ValidationError as exc:
            codes |= _codes_of(exc.detail)
        except DjangoValidationError as exc:
            codes.update(e.code or "invalid" for e in exc.error_list)
        except Exception:  # noqa: BLE001, S112 - as above
            continue
    return codes


# --- 2. reading ---------------------------------------------------------------------------

# Generic DRF and Django classes: their codes are the static analysis's and the probes'.
GENERIC_MODULES = ("rest_framework.serializers", "rest_framework.fields", "rest_framework.relations")
DRF_ERRORS = ("ValidationError",)


def _is_project(obj) -> bool:
    try:
        path = Path(inspect.getsourcefile(obj) or "").resolve()
    except TypeError:
        return False
    return ROOT in path.parents and ".venv" not in path.parts


class _Reader(ast.NodeVisitor):
    """Collects (attr, code) pairs from one function's source, and the project
    functions, methods and classes it calls for the caller to read next."""

    def __init__(self, function, *, default_attr, owner=None, in_field=False):
        self.function = function
        # In a field's own checks (or a validate_<field> method) every error is that field's.
        self.in_field = in_field
        self.globals = getattr(function, "__globals__", {})
        self.default_attr = default_attr
        self.owner = owner
        self.found: set[tuple] = set()
        self.calls: list = []
        self.self_calls: list[str] = []
        self.consumed: set[int] = set()
        self.messages: set[str] = set()

    def constant(self, node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and isinstance(self.globals.get(node.id), str):
            return self.globals[node.id]
        if isinstance(node, ast.Attribute) and node.attr == "NON_FIELD_ERRORS_KEY":
            return NON_FIELD
        return None

    def code_argument(self, call, default):
        for keyword in call.keywords:
            if keyword.arg == "code":
                return self.constant(keyword.value)
        if len(call.args) >= 2:
            return self.constant(call.args[1])
        return default

    def detail_codes(self, node) -> set[str]:
        """Codes of the ErrorDetail(…, code=…) built inside `node`."""
        codes = set()
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call) and _name_of(inner.func) == "ErrorDetail":
                self.consumed.add(id(inner))
                code = self.code_argument(inner, "invalid")
                if code:
                    codes.add(code)
        return codes

    def error_pairs(self, call, default_code) -> set[tuple]:
        """The (attr, code) pairs of a ValidationError built by `call`."""
        code = self.code_argument(call, default_code)
        if not code:
            return set()
        if not call.args:
            return {(self.default_attr, code)}
        detail = call.args[0]
        if isinstance(detail, ast.Dict):
            pairs = set()
            for key, value in zip(detail.keys, detail.values, strict=True):
                attr = self.constant(key) if key is not None else None
                for inner in self.detail_codes(value) or {code}:
                    pairs.add((ANY_FIELD if attr is None else attr, inner))
            return pairs
        codes = self.detail_codes(detail) or {code}
        if _is_message(detail) or (isinstance(detail, ast.Name) and detail.id in self.messages):
            return {(self.default_attr, c) for c in codes}
        # A dict comprehension, a variable, a message_dict: keys known only at run time.
        return {(self.default_attr if self.in_field else ANY_FIELD, c) for c in codes}

    def visit_Raise(self, node):
        raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        cls = None
        if isinstance(raised, ast.Name):
            cls = self.globals.get(raised.id)
        elif isinstance(raised, ast.Attribute) and isinstance(raised.value, ast.Name):
            cls = getattr(self.globals.get(raised.value.id), raised.attr, None)
        if inspect.isclass(cls) and issubclass(cls, (DjangoPermissionDenied, exceptions.PermissionDenied)):
            self.found.add((STATUS, "403"))
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        name = _name_of(func)
        target = self.globals.get(func.id) if isinstance(func, ast.Name) else None
        module = getattr(func.value, "id", None) if isinstance(func, ast.Attribute) else None
        if name == "ValidationError" and (
            _is_drf_validation_error(target) or module in ("serializers", "exceptions")
        ):
            self.found |= self.error_pairs(node, "invalid")
        elif (
            name == "__init__"
            and isinstance(func.value, ast.Call)
            and _name_of(func.value.func) == "super"
            and _is_drf_validation_error(self.owner)
        ):
            self.found |= self.error_pairs(node, getattr(self.owner, "default_code", "invalid"))
        elif name == "ErrorDetail" and id(node) not in self.consumed:
            # Built apart from the error that carries it: its field is unknown here.
            code = self.code_argument(node, "invalid")
            if code:
                self.found.add((ANY_FIELD, code))
        elif name == "fail" and module == "self":
            code = self.constant(node.args[0]) if node.args else None
            if code:
                self.found.add((self.default_attr, code))
        elif module == "self":
            self.self_calls.append(name)
        elif (
            target is not None
            and (inspect.isfunction(target) or inspect.isclass(target))
            and _is_project(target)
        ):
            self.calls.append(target)
        self.generic_visit(node)

    def read(self):
        try:
            source = textwrap.dedent(inspect.getsource(self.function))
        except (OSError, TypeError):
            return self
        with PARSE_LOCK:
            tree = ast.parse(source)
        # Variables holding a message (msg = _("…")) rather than a dict of fields.
        self.messages = {
            target.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and _is_message(node.value)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        self.visit(tree)
        return self


def _is_message(node) -> bool:
    """A message (or a list of them): text, an f-string, a translation, a format."""
    return isinstance(node, (ast.Constant, ast.JoinedStr, ast.List, ast.BinOp)) or (
        isinstance(node, ast.Call) and _name_of(node.func) in ("_", "gettext", "gettext_lazy", "format")
    )


def _name_of(func):
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _is_drf_validation_error(cls) -> bool:
    return inspect.isclass(cls) and issubclass(cls, serializers.ValidationError)


def _read(function, *, default_attr, owner=None, in_field=False, seen, depth=2):
    """(attr, code) pairs raised by `function` and the project code it calls."""
    key = (function, default_attr, in_field)
    if key in seen or depth < 0:
        return set()
    seen.add(key)
    reader = _Reader(function, default_attr=default_attr, owner=owner, in_field=in_field).read()
    found = set(reader.found)
    for target in reader.calls:
        if inspect.isclass(target):
            if _is_drf_validation_error(target):
                init = target.__dict__.get("__init__")
                if init is not None:
                    found |= _read(
                        init,
                        default_attr=default_attr,
                        owner=target,
                        in_field=in_field,
                        seen=seen,
                        depth=depth - 1,
                    )
                else:
                    found.add((default_attr, getattr(target, "default_code", "invalid")))
        else:
            found |= _read(target, default_attr=default_attr, in_field=in_field, seen=seen, depth=depth - 1)
    if owner is not None and not _is_drf_validation_error(owner):
        for name in reader.self_calls:
            method = _own_method(owner, name)
            if method is not None:
                found |= _read(
                    method,
                    default_attr=default_attr,
                    owner=owner,
                    in_field=in_field,
                    seen=seen,
                    depth=depth - 1,
                )
    return found


def _own_method(cls, name):
    """`cls.name` where a project class (not DRF or Django) defines it."""
    for klass in inspect.getmro(cls):
        if name in klass.__dict__:
            member = klass.__dict__[name]
            function = getattr(member, "__func__", member)
            return function if inspect.isfunction(function) and _is_project(klass) else None
    return None


# How a viewset's action reaches its code: the handler and the hooks DRF's mixins call.
ACTION_METHODS = {
    "create": ("create", "perform_create"),
    "update": ("update", "perform_update"),
    "partial_update": ("partial_update", "update", "perform_update"),
    "destroy": ("destroy", "perform_destroy"),
    "list": ("list",),
    "retrieve": ("retrieve",),
}
COMMON_METHODS = ("initial", "get_object", "get_queryset", "filter_queryset", "get_serializer")


@functools.cache
def read_view(view_class, action, method: str) -> frozenset:
    """(attr, code) pairs the view's code for this action (or method) raises."""
    names = ACTION_METHODS.get(action, (action,)) if action else (method.lower(),)
    seen, found = set(), set()
    for name in (*names, *COMMON_METHODS):
        function = _own_method(view_class, name) if name else None
        if function is not None:
            found |= _read(function, default_attr=NO_ATTR, owner=view_class, seen=seen)
    return frozenset(found)


@functools.cache
def read_serializer(serializer_class, field_classes: tuple) -> frozenset:
    """(attr, code) pairs a request serializer's own checks raise, and its fields'
    (given as (name, field class) pairs)."""
    found, seen = set(), set()
    if not serializer_class.__module__.startswith(GENERIC_MODULES):
        for name, member in inspect.getmembers(serializer_class, inspect.isfunction):
            if (getattr(member, "__module__", "") or "").startswith(GENERIC_MODULES):
                continue
            if name == "validate":
                found |= _read(member, default_attr=NON_FIELD, owner=serializer_class, seen=seen)
            elif name.startswith("validate_"):
                found |= _read(
                    member,
                    default_attr=name.removeprefix("validate_"),
                    owner=serializer_class,
                    in_field=True,
                    seen=seen,
                )
    for field_name, field_class in field_classes:
        for name in ("to_internal_value", "run_validation", "validate", "get_value"):
            method = _own_method(field_class, name)
            if method is not None:
                found |= _read(method, default_attr=field_name, owner=field_class, in_field=True, seen=seen)
    return frozenset(found)


def statuses(pairs) -> set[str]:
    """The statuses other than 400 that the read code says it can answer."""
    return {code for attr, code in pairs if attr is STATUS}


def expand(pairs, fields) -> dict:
    """{attr: {codes}}, a pair on ANY_FIELD spread over `fields`, non_field_errors and __all__."""
    by_attr = defaultdict(set)
    for attr, code in pairs:
        if attr is STATUS:
            continue
        for target in [*fields, NON_FIELD, DJANGO_NON_FIELD] if attr is ANY_FIELD else [attr]:
            by_attr[target].add(code)
    return by_attr
