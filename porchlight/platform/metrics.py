"""Prometheus metrics both processes update. With several portal processes set
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode) so /metrics adds them up."""

from prometheus_client import Counter, Histogram

WEBHOOKS = Counter(
    "porchlight_webhooks_total",
    "Carrier webhooks received, by source and outcome",
    ["source", "outcome"],
)
EVENTS_RECEIVED = Counter(
    "porchlight_events_received_total",
    "Carrier events in accepted webhooks (before dedupe)",
    ["source"],
)
REQUEST_SECONDS = Histogram(
    "porchlight_request_seconds",
    "Portal request duration",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
