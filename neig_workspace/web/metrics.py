"""Prometheus metrics (docs/deployment.md § Metrics): requests and their latency per endpoint,
counted by every gunicorn worker and added up at each scrape; and gauges read when Prometheus
scrapes, from callbacks registered at app creation (clamd's status here; the job queue adds its
depth and its failed jobs the same way, one `register_gauge` line each in `init_metrics`).

gunicorn runs several processes, so the counts live in files in PROMETHEUS_MULTIPROC_DIR, one
set per process (prometheus_client's multiprocess mode, chosen by that environment variable when
prometheus_client is first imported); deploy/gunicorn.conf.py empties the folder at start and
tells prometheus_client when a worker exits. Without the variable each process counts alone.
"""

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from .. import jobs
from . import readiness

log = logging.getLogger("neig_workspace.web")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: The requests that matched no route share one label, so a scan of random URLs adds no series.
UNMATCHED = "<unmatched>"
_GAUGES = "neig_metric_gauges"

# The *_created series say when a series began in this process: no use summed over workers.
disable_created_metrics()

#: The counters of this process; in multiprocess mode their values go to its files as well.
_LOCAL = CollectorRegistry()
REQUESTS = Counter(
    "neig_http_requests",
    "HTTP requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
    registry=_LOCAL,
)
LATENCY = Histogram(
    "neig_http_request_duration_seconds",
    "Time from a request's arrival at the app to its response, by endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=_LOCAL,
)


@dataclass(frozen=True)
class CallbackGauge:
    """A gauge whose value is asked for at each scrape. `read` answers a number, or a dict of
    label value -> number for a gauge with one label, or None when there is nothing to say."""

    name: str
    documentation: str
    read: Callable[[], float | dict[str, float] | None]
    label: str | None = None


def init_metrics(app: Flask) -> None:
    """The gauges of this app, each read at scrape time in the scrape's request."""
    app.extensions[_GAUGES] = []
    register_gauge(app, "neig_jobs_queue_depth", "Jobs waiting in the queue.", jobs.queue_depth)
    register_gauge(
        app, "neig_jobs_failed", "Jobs on the dead-letter list (/beheer/taken).", jobs.failed_count
    )
    register_gauge(
        app,
        "neig_clamd_status",
        "The virus scanner clamd as the readiness check sees it: 1 for its current status.",
        _clamd_status,
        label="status",
    )


def register_gauge(
    app: Flask,
    name: str,
    documentation: str,
    read: Callable[[], float | dict[str, float] | None],
    *,
    label: str | None = None,
) -> None:
    """Add a gauge read at each scrape, e.g. `register_gauge(app, "neig_jobs_queue_depth",
    "Jobs waiting in the queue.", jobs.queue_depth)`."""
    gauges = app.extensions.setdefault(_GAUGES, [])
    if any(gauge.name == name for gauge in gauges):
        raise ValueError(f"metric {name!r} is registered twice")
    gauges.append(CallbackGauge(name, documentation, read, label))


def observe(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    endpoint = endpoint or UNMATCHED
    REQUESTS.labels(endpoint=endpoint, method=method, status=str(status)).inc()
    LATENCY.labels(endpoint=endpoint).observe(seconds)


def exposition() -> bytes:
    """Every metric in Prometheus's text format: the request counts of all workers (or of this
    process alone), then the gauges, each read now."""
    registry = CollectorRegistry()
    if multiprocess():
        MultiProcessCollector(registry, path=os.environ["PROMETHEUS_MULTIPROC_DIR"])
    else:
        registry.register(_Collected(_LOCAL))
    registry.register(_GaugeReader(current_app.extensions.get(_GAUGES, [])))
    return generate_latest(registry)


def multiprocess() -> bool:
    """prometheus_client chose its multiprocess values (PROMETHEUS_MULTIPROC_DIR was set when it
    was imported)."""
    return bool(getattr(values.ValueClass, "_multiprocess", False))


class _Collected:
    """A collector that hands on another's metrics, so a scrape's own registry holds them."""

    def __init__(self, source):
        self.source = source

    def collect(self):
        yield from self.source.collect()


class _GaugeReader:
    def __init__(self, gauges: list[CallbackGauge]):
        self.gauges = gauges

    def collect(self):
        for gauge in self.gauges:
            family = _read(gauge)
            if family is not None:
                yield family


def _read(gauge: CallbackGauge) -> GaugeMetricFamily | None:
    """One gauge, read now; a callback that fails leaves its gauge out of this scrape (and
    says so in the log) instead of failing the scrape of everything else."""
    try:
        value = gauge.read()
    except Exception:  # noqa: BLE001 - any failure of a callback: log it, scrape the rest
        log.exception("metrics: gauge %s could not be read", gauge.name)
        return None
    if value is None:
        return None
    if gauge.label is None:
        return GaugeMetricFamily(gauge.name, gauge.documentation, value=float(value))
    family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=[gauge.label])
    for label_value, number in value.items():
        family.add_metric([label_value], float(number))
    return family


def _clamd_status() -> dict[str, float]:
    """ok, off (not configured) or unavailable: 1 for the current one, 0 for the others."""
    status = readiness.clamav_status()
    return {state: float(state == status) for state in ("ok", "off", "unavailable")}
