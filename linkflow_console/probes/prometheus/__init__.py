"""Probes that ask Prometheus itself (HTTP API): key series, alert rules and their thresholds,
rules on missing series, scrape targets, firing alerts and the live error rate and p95 latency.

- `api`: the HTTP API client (shared with the Alertmanager probes);
- `promql`: PromQL as text (thresholds, series, job selectors), pure and unit-tested;
- `rules`: the checklist's alerts and the rules-series check;
- `live`: key metrics, targets, firing alerts and live values.

Importing the package registers every prometheus.* probe (the catalog names the package).
"""

from linkflow_console.probes.prometheus import live, rules

__all__ = ["live", "rules"]
