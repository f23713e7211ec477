"""Oversized and malformed numbers never give a 500 (issue 15, finding 7).

Every id column is an INTEGER (32 bits on PostgreSQL); a number past that range used to reach a
query and fail there. Every route of `app.url_map` is sent, for each `<int:…>` argument of its
URL, a value beyond 64 bits, one just beyond 32 bits, a negative one and zero; every GET route
whose view can read the query string gets every query parameter the code reads, with an
oversized and a malformed value; a posted number of each kind is sent oversized. None may
answer 500.

A's objects (the route matrix's world) are planted once for the module, and one logged-in client
per persona is reused: each route is asked by the persona the matrix lets through, so the
request reaches the code that reads the number.
"""

import dis
import importlib
import inspect
import re
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Request
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter
from wtforms.fields.core import UnboundField

import neig_workspace
from neig_workspace.integers import MAX_INT, digits_up_to, parse_int
from tests.helpers import csrf_token_of, login_as

from .route_table import LOGIN, OUT, PERSONA_OF, ROUTES, build_context

#: `<int:…>` values: past 64 bits, past 32 bits (PostgreSQL's INTEGER), negative and zero.
BAD_IDS = ("18446744073709551616", "2147483648", "-1", "0")
#: Query values: a number past 64 bits, and one that is no number at all.
BAD_QUERY_VALUES = ("99999999999999999999", "1x٣")
#: The columns whose persona is tried first: the one most likely to be let through.
PREFERENCE = ("org_admin", "member", "platform_admin", "secretariat", "anonymous")
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?(\w+)>")


@pytest.fixture(scope="module")
def world(app, test_db, module_personas):
    """A's objects and a logged-in client per persona, planted once for the module."""
    with test_db.rolled_back():
        context = build_context(app, module_personas)
        clients = {"anonymous": app.test_client()}
        for column, key in PERSONA_OF.items():
            if column != "other":
                clients[column] = login_as(app, app.test_client(), module_personas[key])
        yield context, clients


def _column(row) -> str:
    """The persona whose answer on this row is a success (else anyone)."""
    let_through = [c for c in PREFERENCE if row.expect[c] not in (LOGIN, OUT, 403, 404)]
    return (let_through or ["anonymous"])[0]


def _int_arguments(app, endpoint) -> tuple:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    names = [n for n, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
    return rule, names


def _path_with(router, rule, path: str, method: str, name: str, value: str) -> str:
    """The row's path with one argument replaced by `value` (the others as planted)."""
    _endpoint, values = router.match(path, method=method)
    return _ARGUMENT.sub(
        lambda m: value if m.group(1) == name else str(values[m.group(1)]), rule.rule
    )


def _send(app, client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": csrf_token_of(app, client)})


def test_no_route_answers_500_to_an_id_out_of_range(app, world):
    """A value the router refuses answers the 404 page before any view runs; every value it
    lets through is sent, as the persona the matrix lets through, and must not give a 500."""
    context, clients = world
    router = app.url_map.bind("localhost")
    failures, sent = [], set()
    for (endpoint, method), row in ROUTES.items():
        rule, names = _int_arguments(app, endpoint)
        column = _column(row)
        path = row.path(replace_viewer(context, column)).split("?", 1)[0]
        for name in names:
            for value in BAD_IDS:
                url = _path_with(router, rule, path, method, name, value)
                if _refused_by_router(router, url, method):
                    continue
                if value != "0":  # only zero is a number an id column can hold
                    failures.append(f"{method} {url}: the router lets {value} through")
                if (endpoint, name) in sent:
                    continue  # the GET and the POST of one view read their ids alike
                sent.add((endpoint, name))
                status = _send(app, clients[column], method, url).status_code
                if status >= 500:
                    failures.append(f"{method} {url} as {column}: {status}")
    assert not failures, failures
    assert len(sent) > 100  # the zeros reached the views


def _refused_by_router(router, url: str, method: str) -> bool:
    try:
        router.match(url, method=method)
    except NotFound:
        return True
    return False


#: Posted numbers that reach a query or a column: (endpoint, method) -> the field.
FORM_NUMBERS = {
    ("users.add_membership", "POST"): "organisation_id",
    ("documents.upload", "POST"): "folder",
    ("comments.start_round", "POST"): "organisations",
    ("actions.create_plan", "POST"): "baseline_count",
    ("actions.create_item", "POST"): "lead_organisation",
    ("actions.figures", "POST"): "month_1",
    ("cases.create", "POST"): "municipality_id",
    ("cases.add_participant", "POST"): "organisation_id",
    ("meetings.create", "POST"): "capacity",
}


@pytest.mark.parametrize("key", list(FORM_NUMBERS), ids=lambda key: key[0])
def test_an_oversized_number_in_a_form_is_refused_not_a_500(app, world, key):
    """The row's own valid form, with one number past 64 bits: refused (400, 404 for an id
    that names nothing, 422 next to the field), never a 500."""
    context, clients = world
    row, column = ROUTES[key], _column(ROUTES[key])
    data = {**row.data(replace_viewer(context, column)), FORM_NUMBERS[key]: "9" * 20}
    client = clients[column]
    response = client.post(
        row.path(replace_viewer(context, column)),
        data={"csrf_token": csrf_token_of(app, client), **data},
    )
    assert response.status_code in (400, 404, 422), response.status_code


class _RecordingArgs(ImmutableMultiDict):
    """The query string, noting every name the app asks it for."""

    asked: set = set()

    def get(self, key, *args, **kwargs):
        self.asked.add(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key, *args, **kwargs):
        self.asked.add(key)
        return super().getlist(key, *args, **kwargs)

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)


class _RecordingRequest(Request):
    parameter_storage_class = _RecordingArgs


#: How the code reads a query parameter by hand: request.args / request.values, or query_int.
_READS = re.compile(r'(?:args|values)\.get(?:list)?\(\s*"(\w+)"|query_int\(\s*"(\w+)"')


def query_names() -> set[str]:
    """Every query parameter the code reads: by hand, or as a field of a GET form (a form
    without a CSRF token, filled from the query string)."""
    names = set()
    for path in Path(neig_workspace.__file__).parent.rglob("*.py"):
        for by_hand, helper in _READS.findall(path.read_text()):
            names.add(by_hand or helper)
    for form in _subclasses(FlaskForm):
        if not form.Meta.csrf:
            names |= {n for n in dir(form) if isinstance(getattr(form, n), UnboundField)}
    return names


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_get_route_answers_500_to_a_bad_query_value(app, world, monkeypatch):
    """Every GET route whose view can reach the query string gets every query parameter the
    code reads, each bad value in turn, as the persona the matrix lets through. A view may stop
    at the first bad one (400): those it did not ask for yet are sent again without it."""
    context, clients = world
    monkeypatch.setattr(app, "request_class", _RecordingRequest)
    universe = query_names()
    assert {"map", "pagina", "gemeente", "jaar", "versie", "organisatie"} <= universe
    failures, asked_somewhere = [], set()
    for (endpoint, method), row in ROUTES.items():
        if method != "GET" or not reads_the_query(app.view_functions[endpoint]):
            continue
        column = _column(row)
        path, _sep, query = row.path(replace_viewer(context, column)).partition("?")
        read = universe
        for value in BAD_QUERY_VALUES:
            read = _sweep(clients[column], path, query, read, value, failures)
            asked_somewhere |= read
            if not read:
                break
    assert not failures, failures
    # The sweep only proves something while the views really read what the issue named.
    assert {"map", "pagina", "gemeente", "jaar", "organisatie"} <= asked_somewhere


def reads_the_query(view, known=None) -> bool:
    """Can this function, or a function of the app it names (followed through its globals,
    module.attribute and its own imports), read the query string: request.args or .values, or
    query_int? Decided from the bytecode's names, so the sweep skips the pages that never
    look at the query string. `known` keeps the answer per function across views."""
    known = _KNOWN if known is None else known
    function = inspect.unwrap(view)
    if function not in known:
        known[function] = False  # while it is being looked at: a cycle adds nothing
        known[function] = _reads_the_query(function, known)
    return known[function]


_KNOWN: dict = {}


def _reads_the_query(function, known) -> bool:
    code = getattr(function, "__code__", None)
    if code is None or not function.__module__.startswith("neig_workspace"):
        return False
    names = _names(code)
    if "query_int" in names or ("request" in names and names & {"args", "values"}):
        return True
    return any(reads_the_query(f, known) for f in _named_functions(function, code, names))


def _names(code) -> set[str]:
    """The global, attribute and imported names of a code object and those nested in it."""
    names = set(code.co_names)
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _names(const)
    return names


def _named_functions(function, code, names: set):
    """The functions that `names` can stand for: globals, attributes of the modules among
    them, and names imported inside the function's body."""
    scope = function.__globals__
    modules = [scope[n] for n in names if inspect.ismodule(scope.get(n))]
    modules += list(_imported_modules(code, function.__module__.rpartition(".")[0]))
    candidates = [scope.get(n) for n in names]
    candidates += [getattr(m, n, None) for m in modules for n in names]
    return [c for c in candidates if inspect.isfunction(c)]


def _imported_modules(code, package: str):
    instructions = list(dis.get_instructions(code))
    for i, instruction in enumerate(instructions):
        if instruction.opname == "IMPORT_NAME":
            level = instructions[i - 2].argval or 0
            yield importlib.import_module("." * level + instruction.argval, package)
    for const in code.co_consts:
        if inspect.iscode(const):
            yield from _imported_modules(const, package)


def _sweep(client, path: str, query: str, names: set, value: str, failures: list) -> set:
    """Send `names` set to `value` until the view asks for none of those left; return the
    names it asked for."""
    own = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
    pending, read = set(names), set()
    while pending:
        _RecordingArgs.asked = set()
        response = client.get(path, query_string={**own, **dict.fromkeys(pending, value)})
        if response.status_code >= 500:
            failures.append(f"GET {path} with {sorted(pending)} = {value}")
        newly = _RecordingArgs.asked & pending
        read |= newly
        pending -= newly
        if not newly or response.status_code < 400:
            break  # it asked for nothing more, or it answered with all of them present
    return read


def replace_viewer(context, column):
    return replace(context, viewer=PERSONA_OF.get(column))


@pytest.mark.one_database
@pytest.mark.parametrize("limit", [0, 7, 10, 99, 100, 2020, 30000, MAX_INT])
def test_the_id_pattern_holds_exactly_zero_to_the_limit(limit):
    pattern = re.compile(digits_up_to(limit))
    near = {0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 1999, 2000}
    near |= {limit + d for d in range(-12, 13) if limit + d >= 0} | {limit * 10, limit * 10 + 9}
    for number in near:
        assert bool(pattern.fullmatch(str(number))) == (number <= limit), number


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("text", "number"),
    [("12", 12), (" 7 ", 7), ("-3", -3), (str(MAX_INT), MAX_INT), (str(MAX_INT + 1), None)]
    + [(bad, None) for bad in ("", "1_000", "+5", "٣", "1.5", "1e3", "0x10", "9" * 5000, None)],
)
def test_parse_int_takes_plain_numbers_in_range_only(text, number):
    assert parse_int(text) == number
