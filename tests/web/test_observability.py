"""Operations (issue 19): JSON log lines with the request's id and no secret from a link, the
X-Request-ID header on every answer, and the Prometheus metrics closed to all but the token.
The same, served by gunicorn with two workers: tests/web/test_metrics_gunicorn.py."""

import io
import json
import logging
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from neig_workspace import create_app
from neig_workspace.audit.models import AuditEvent
from neig_workspace.log_format import log_handler
from neig_workspace.web import metrics
from tests.conftest import db_ctx
from tests.helpers import login_as, post_form

TOKEN = "m3tr1cs-Token-for-the-tests-0123456789abcdef"  # noqa: S105 - a test's own
HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_lines():
    """What the app logs during the test, as the production handler writes it (LOG_FORMAT=json),
    parsed line by line: every line must be one JSON object."""
    stream = io.StringIO()
    handler = log_handler("json", stream)
    logger = logging.getLogger("neig_workspace")
    logger.addHandler(handler)

    def lines() -> list[dict]:
        text = stream.getvalue()
        return [json.loads(line) for line in text.splitlines()]

    lines.text = stream.getvalue
    try:
        yield lines
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def token(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    return TOKEN


def access_lines(lines) -> list[dict]:
    return [line for line in lines if line["logger"] == "neig_workspace.access"]


def scrape(client, authorization=f"Bearer {TOKEN}", **kwargs):
    headers = {"Authorization": authorization} if authorization is not None else {}
    return client.get("/metrics", headers=headers, **kwargs)


def sample(text: str, name: str, **labels) -> float | None:
    """The value of one series in Prometheus's text format, None when it is not there."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    for line in text.splitlines():
        series, _, value = line.rpartition(" ")
        if series == (f"{name}{{{wanted}}}" if labels else name):
            return float(value)
    return None


# --- JSON logs ------------------------------------------------------------------------------


def test_the_access_line_is_one_json_object_with_the_request_and_the_user_id(
    app, client, personas, json_lines
):
    login_as(app, client, personas.member_a)
    response = client.get("/", headers={"X-Request-ID": "req-0001-abcdef"})
    assert response.status_code == 200
    [line] = access_lines(json_lines())
    assert line["request_id"] == "req-0001-abcdef"
    assert line["level"] == "INFO" and line["message"] == "GET / 200"
    assert line["method"] == "GET" and line["path"] == "/" and line["endpoint"] == "web.index"
    assert line["status"] == 200 and isinstance(line["duration_ms"], float)
    assert line["user_id"] == personas.member_a.id
    assert {"time", "process"} <= line.keys()
    assert personas.member_a.email not in json_lines.text()


def test_no_token_of_a_reset_link_reaches_the_log(app, client, personas, json_lines, outbox):
    post_form(client, "/wachtwoord-vergeten", {"email": personas.member_a.email})
    body = outbox()[-1].get_body().get_content()
    link = re.search(r"https?://\S+/wachtwoord-herstellen/\S+", body).group(0)
    path = urlsplit(link).path
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 20

    assert client.get(f"{path}?email=lek@example.nl").status_code == 200
    # The same token in a path that matches no route, and in a route's path Flask logs itself.
    assert client.get(f"{path}/extra").status_code == 404
    lines = access_lines(json_lines())
    assert [line["path"] for line in lines[-2:]] == [
        "/wachtwoord-herstellen/<token>",
        "/wachtwoord-herstellen/<redacted>/extra",
    ]
    assert lines[-2]["endpoint"] == "accounts.reset_password"
    assert token not in json_lines.text()
    assert "lek@example.nl" not in json_lines.text()  # no query strings


def test_a_message_that_names_the_path_loses_the_token_too(app, client, json_lines, monkeypatch):
    """Flask's own line about an exception names request.path: the filter takes the token out."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    token = "Zm9vYmFyLXNlY3JldC10b2tlbi12YWx1ZQ"

    def broken(token):
        raise RuntimeError(f"kapot bij {token}")

    monkeypatch.setitem(app.view_functions, "accounts.reset_password", broken)
    response = client.get(f"/wachtwoord-herstellen/{token}")
    assert response.status_code == 500
    lines = json_lines()
    [error] = [line for line in lines if line["level"] == "ERROR"]
    assert "/wachtwoord-herstellen/<token>" in error["message"]
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert "RuntimeError" in error["exception"]
    assert token not in error["message"]
    assert access_lines(lines)[0]["status"] == 500


def test_a_line_break_in_a_message_stays_inside_its_json_line(app):
    stream = io.StringIO()
    handler = log_handler("json", stream)
    record = logging.LogRecord(
        "neig_workspace.accounts", logging.WARNING, __file__, 1, "login failed for %s",
        ("x@y.nl\r\n{\"level\": \"INFO\"}\u2028",), None,
    )  # fmt: skip
    handler.handle(record)
    [line] = stream.getvalue().splitlines()
    assert "\r" not in line and "\u2028" not in line
    assert json.loads(line)["message"] == 'login failed for x@y.nl\r\n{"level": "INFO"}\u2028'
    assert json.loads(line)["request_id"] is None  # written outside a request


def test_an_unknown_log_format_refuses_to_start(app):
    handlers = list(logging.getLogger("neig_workspace").handlers)
    with pytest.raises(ValueError, match="LOG_FORMAT must be one of json, text"):
        create_app("testing", LOG_FORMAT="xml")
    assert logging.getLogger("neig_workspace").handlers == handlers  # the running app logs on


# --- request ids ----------------------------------------------------------------------------


def test_a_request_without_an_id_gets_a_new_one_sent_back_and_logged(client, json_lines):
    response = client.get("/health")
    request_id = response.headers["X-Request-ID"]
    assert HEX_ID.fullmatch(request_id)
    assert access_lines(json_lines())[0]["request_id"] == request_id
    assert client.get("/health").headers["X-Request-ID"] != request_id


@pytest.mark.parametrize(
    "presented",
    ["a1b2c3d4e5f60718293a4b5c6d7e8f90", "0f8fad5b-d9cb-469f-a165-70867728950e", "abc.DEF_123"],
)
def test_a_well_formed_incoming_id_is_kept(client, presented):
    assert (
        client.get("/health", headers={"X-Request-ID": presented}).headers["X-Request-ID"]
        == presented
    )


@pytest.mark.parametrize(
    "presented",
    ["short", "x" * 65, 'evil" id', "a1b2c3d4;rm", "é-non-ascii-id", ""],
)
def test_a_malformed_incoming_id_is_replaced(client, json_lines, presented):
    response = client.get("/health", headers={"X-Request-ID": presented})
    request_id = response.headers["X-Request-ID"]
    assert HEX_ID.fullmatch(request_id) and request_id != presented
    assert access_lines(json_lines())[0]["request_id"] == request_id
    assert response.headers.getlist("X-Request-ID") == [request_id]


def test_the_id_comes_back_on_a_404(client, json_lines):
    response = client.get("/bestaat-niet", headers={"X-Request-ID": "trace-404-abcdef"})
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "trace-404-abcdef"
    [line] = access_lines(json_lines())
    assert line["endpoint"] is None and line["status"] == 404
    assert line["request_id"] == "trace-404-abcdef"


def test_the_id_comes_back_on_a_500_and_is_on_every_line_of_it(
    app, client, json_lines, monkeypatch
):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def broken():
        logging.getLogger("neig_workspace.web").warning("about to fail")
        raise RuntimeError("kapot")

    monkeypatch.setitem(app.view_functions, "web.health", broken)
    response = client.get("/health", headers={"X-Request-ID": "trace-500-abcdef"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "trace-500-abcdef"
    lines = json_lines()
    assert [line["level"] for line in lines] == ["WARNING", "ERROR", "INFO"]
    assert {line["request_id"] for line in lines} == {"trace-500-abcdef"}


# --- metrics --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN}x", "Bearer "],
)
def test_metrics_answer_404_without_the_token(client, token, authorization):
    response = scrape(client, authorization)
    assert response.status_code == 404
    assert "neig_http_requests_total" not in response.get_data(as_text=True)


def test_metrics_stay_closed_while_no_token_is_configured(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "")
    assert scrape(client, "Bearer ").status_code == 404
    assert scrape(client, "Bearer").status_code == 404


def test_metrics_switched_off_answer_404_even_with_the_token(app, client, token, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_ENABLED", False)
    assert scrape(client).status_code == 404


def test_metrics_with_the_token_count_requests_and_latency_per_endpoint(client, token):
    before = sample(scrape(client).get_data(as_text=True), **_health_200()) or 0
    client.get("/health")
    client.get("/health")
    client.get("/bestaat-niet")
    response = scrape(client)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    text = response.get_data(as_text=True)
    assert sample(text, **_health_200()) == before + 2
    assert (
        sample(text, "neig_http_requests_total", endpoint="<unmatched>", method="GET", status="404")
        >= 1
    )
    assert "# TYPE neig_http_request_duration_seconds histogram" in text
    assert sample(text, "neig_http_request_duration_seconds_count", endpoint="web.health") >= 2
    # clamd is not configured in the tests: its status is "off".
    assert sample(text, "neig_clamd_status", status="off") == 1
    assert sample(text, "neig_clamd_status", status="ok") == 0
    assert "_created" not in text


def _health_200():
    return {
        "name": "neig_http_requests_total",
        "endpoint": "web.health",
        "method": "GET",
        "status": "200",
    }


def test_an_unreachable_clamd_shows_as_unavailable(app, client, token, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "CLAMAV_SOCKET", str(tmp_path / "no-clamd.sock"))
    text = scrape(client).get_data(as_text=True)
    assert sample(text, "neig_clamd_status", status="unavailable") == 1
    assert sample(text, "neig_clamd_status", status="ok") == 0


def test_metrics_set_no_cookie_and_write_no_audit_event(app, client, personas, token):
    login_as(app, client, personas.member_a)  # even a browser with a session gets none
    with db_ctx(app) as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    response = scrape(client)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert scrape(client, "Bearer wrong").status_code == 404
    with db_ctx(app) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_the_refusal_is_the_404_of_a_page_that_does_not_exist(app, token):
    refused = scrape(app.test_client(), "Bearer wrong")
    missing = app.test_client().get("/bestaat-niet")
    assert refused.status_code == missing.status_code == 404

    def page(response):  # what differs per visit: the CSRF token, and the page's own path
        html = response.get_data(as_text=True).replace("/bestaat-niet", "/metrics")
        return re.sub(r'name="csrf_token" value="[^"]+"', "", html)

    assert page(refused) == page(missing)


def test_a_registered_gauge_is_read_at_each_scrape(app, client, token, monkeypatch):
    monkeypatch.setitem(
        app.extensions, "neig_metric_gauges", list(app.extensions["neig_metric_gauges"])
    )
    depth = iter([3, 5])
    metrics.register_gauge(app, "neig_test_queue_depth", "Jobs waiting.", lambda: next(depth))
    assert sample(scrape(client).get_data(as_text=True), "neig_test_queue_depth") == 3
    assert sample(scrape(client).get_data(as_text=True), "neig_test_queue_depth") == 5
    with pytest.raises(ValueError, match="registered twice"):
        metrics.register_gauge(app, "neig_test_queue_depth", "Again.", lambda: 1)


def test_a_failing_gauge_is_left_out_and_the_rest_is_scraped(
    app, client, token, monkeypatch, json_lines
):
    monkeypatch.setitem(
        app.extensions, "neig_metric_gauges", list(app.extensions["neig_metric_gauges"])
    )

    def broken():
        raise ConnectionError("Redis is weg")

    metrics.register_gauge(app, "neig_test_failed_jobs", "Failed jobs.", broken)
    response = scrape(client)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "neig_test_failed_jobs" not in text
    assert sample(text, "neig_clamd_status", status="off") == 1
    assert any("neig_test_failed_jobs" in line["message"] for line in json_lines())


def test_a_request_is_answered_when_it_cannot_be_counted(app, client, monkeypatch, json_lines):
    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(metrics, "observe", full_disk)
    assert client.get("/health").status_code == 200
    assert client.get("/health").status_code == 200
    errors = [line for line in json_lines() if line["level"] == "ERROR"]
    assert len(errors) == 1 and "not counted" in errors[0]["message"]  # once, not per request
