"""Every probe id, the module that implements it and what it needs from the profile.

This is the contract between the checklist (which names probe ids) and the probe modules
(which register implementations). The loader validates checklist references against it
without importing any probe module, so start-up stays fast; a test proves that every id
here is implemented and nothing else is.
"""

from __future__ import annotations

from typing import NamedTuple


class ProbeSpec(NamedTuple):
    module: str  # module under linkflow_console.probes
    title: str
    needs: tuple[str, ...]  # profile keys that must be set, else the probe is "skipped"


PROBES: dict[str, ProbeSpec] = {
    # public surface (issue: live probes part 1)
    "http.tls-versions": ProbeSpec("tls", "TLS 1.0/1.1 refused, 1.2+ accepted", ("api.base_url",)),
    "http.https-redirect": ProbeSpec("redirect", "HTTP redirects to HTTPS", ("api.base_url",)),
    "http.security-headers": ProbeSpec("headers", "HSTS, CSP, X-Frame-Options", ("api.base_url",)),
    "http.cors": ProbeSpec("cors", "CORS refuses foreign origins", ("api.base_url",)),
    "net.internal-ports": ProbeSpec("ports", "Internal ports closed on the public host", ("api.base_url", "api.internal_ports")),
    "net.database-port": ProbeSpec("ports", "Database port closed on the public host", ("api.base_url",)),
    "http.auth-rate-limit": ProbeSpec("auth", "Login rate limited", ("api.base_url", "api.active_probes")),
    "http.account-lockout": ProbeSpec("auth", "Account locks after failed logins", ("api.base_url", "api.active_probes", "api.probe_email")),
    "http.liveness": ProbeSpec("health", "Liveness endpoint answers", ("api.base_url",)),
    "http.readiness": ProbeSpec("health", "Readiness endpoint answers", ("api.base_url",)),
    "http.health": ProbeSpec("health", "Health endpoint reachable and healthy", ("api.base_url",)),
    "http.health-dependencies": ProbeSpec("health", "Health reports database and redis", ("api.base_url",)),
    "http.metrics": ProbeSpec("metrics", "Metrics endpoint in Prometheus format", ("api.base_url",)),
    "http.key-metrics": ProbeSpec("metrics", "Key metrics exported by the API", ("api.base_url",)),
    "http.openapi": ProbeSpec("openapi", "OpenAPI 3 document validates", ("api.openapi",)),
    "http.latency-p95": ProbeSpec("latency", "Response time p95 under 500 ms", ("api.base_url",)),
    "config.jwt-secret": ProbeSpec("config", "JWT secret strong", ("env.file",)),
    "config.token-expiry": ProbeSpec("config", "Token expiry set", ("env.file",)),
    "config.encryption-key": ProbeSpec("config", "Credential encryption key set and separate", ("env.file",)),
    "config.app-environment": ProbeSpec("config", "APP_ENVIRONMENT=production", ("env.file",)),
    "config.app-debug": ProbeSpec("config", "APP_DEBUG=false, no stack traces", ("env.file",)),
    "config.required-vars": ProbeSpec("config", "Required variables set", ("env.file",)),
    "config.log-format": ProbeSpec("config", "JSON log format", ("env.file",)),
    "config.sentry": ProbeSpec("config", "Sentry DSN set", ("env.file",)),
    # infrastructure (issue: live probes part 2)
    "postgres.ssl-required": ProbeSpec("postgres", "PostgreSQL requires TLS", ("postgres.dsn",)),
    "postgres.pooler": ProbeSpec("postgres", "PgBouncer answers", ("postgres.pooler_dsn",)),
    "postgres.pitr": ProbeSpec("postgres", "WAL archiving for point-in-time recovery", ("postgres.dsn",)),
    "postgres.replicas": ProbeSpec("postgres", "Streaming replicas connected", ("postgres.dsn",)),
    "postgres.monitoring": ProbeSpec("postgres", "pg_stat_statements and connection headroom", ("postgres.dsn",)),
    "postgres.bcrypt-cost": ProbeSpec("postgres", "bcrypt cost >= 12 in stored hashes", ("postgres.dsn", "postgres.password_hash_query")),
    "postgres.backup-schedule": ProbeSpec("postgres", "Daily full backup and continuous WAL", ("postgres.dsn", "s3.backup_bucket")),
    "postgres.managed-hosting": ProbeSpec("postgres", "Managed PostgreSQL (provider settings visible)", ("postgres.dsn",)),
    "postgres.slow-queries": ProbeSpec("postgres", "No slow statements in pg_stat_statements", ("postgres.dsn",)),
    "redis.auth": ProbeSpec("redis", "Redis requires a password", ("redis.url",)),
    "redis.aof": ProbeSpec("redis", "AOF persistence on and healthy", ("redis.url",)),
    "redis.memory-policy": ProbeSpec("redis", "maxmemory set, noeviction", ("redis.url",)),
    "redis.ha": ProbeSpec("redis", "Replica, Sentinel or Cluster", ("redis.url",)),
    "redis.tls": ProbeSpec("redis", "Redis over TLS, plaintext refused", ("redis.url",)),
    "redis.rdb-snapshot": ProbeSpec("redis", "Recent RDB snapshot", ("redis.url",)),
    "redis.queues": ProbeSpec("redis", "Asynq queues consumed, dead letters", ("redis.url",)),
    "redis.queue-backlog": ProbeSpec("redis", "Queue backlog under 1000", ("redis.url",)),
    "redis.queue-wait": ProbeSpec("redis", "Oldest pending job under 30 s", ("redis.url",)),
    "redis.scheduler-leader": ProbeSpec("redis", "Scheduler leader elected", ("redis.url",)),
    "s3.bucket-policy": ProbeSpec("s3", "Bucket policy and no public read", ("s3.bucket",)),
    "s3.encryption": ProbeSpec("s3", "Bucket encrypted at rest", ("s3.bucket",)),
    "s3.lifecycle": ProbeSpec("s3", "Lifecycle rules", ("s3.bucket",)),
    "s3.access-logging": ProbeSpec("s3", "Access logging", ("s3.bucket",)),
    "s3.backup-encryption": ProbeSpec("s3", "Backup bucket encrypted", ("s3.backup_bucket",)),
    "s3.backup-age": ProbeSpec("s3", "Newest backup younger than 26 h", ("s3.backup_bucket",)),
    "prometheus.key-metrics": ProbeSpec("prometheus", "Key metrics present as series", ("prometheus.url",)),
    "prometheus.alert-error-rate": ProbeSpec("prometheus", "Alert: error rate > 1 %", ("prometheus.url",)),
    "prometheus.alert-latency": ProbeSpec("prometheus", "Alert: p95 latency > 2 s", ("prometheus.url",)),
    "prometheus.alert-queue-backlog": ProbeSpec("prometheus", "Alert: queue backlog > 1000", ("prometheus.url",)),
    "prometheus.alert-service-down": ProbeSpec("prometheus", "Alert: service down", ("prometheus.url",)),
    "prometheus.alert-database": ProbeSpec("prometheus", "Alert: database connection issues", ("prometheus.url",)),
    "prometheus.alert-disk": ProbeSpec("prometheus", "Alert: disk space low", ("prometheus.url",)),
    "prometheus.alert-memory": ProbeSpec("prometheus", "Alert: memory usage high", ("prometheus.url",)),
    "prometheus.rules-series": ProbeSpec("prometheus", "Alert rules name existing series", ("prometheus.url",)),
    "prometheus.targets-up": ProbeSpec("prometheus", "Scrape targets up", ("prometheus.url",)),
    "prometheus.firing-alerts": ProbeSpec("prometheus", "Alerts firing now", ("prometheus.url",)),
    "prometheus.error-rate": ProbeSpec("prometheus", "Current 5xx error rate", ("prometheus.url",)),
    "prometheus.latency-p95": ProbeSpec("prometheus", "Current p95 latency", ("prometheus.url",)),
    "alertmanager.paging-receiver": ProbeSpec("alertmanager", "PagerDuty or Opsgenie receiver", ("alertmanager.url",)),
    "alertmanager.alert-end-to-end": ProbeSpec("alertmanager", "A test alert reaches Alertmanager", ("alertmanager.url", "prometheus.url")),
    # probe sources: Kubernetes manifests, the repository, CDN, access-log retention (issue 13)
    "k8s.api-hpa": ProbeSpec("kubernetes", "API HPA on CPU 70 %, 2+ replicas", ("kubernetes.manifests",)),
    "k8s.worker-autoscaling": ProbeSpec("kubernetes", "Worker scales on queue depth", ("kubernetes.manifests",)),
    "k8s.liveness": ProbeSpec("kubernetes", "Liveness probes on api and worker", ("kubernetes.manifests",)),
    "k8s.readiness": ProbeSpec("kubernetes", "Readiness probes on api and worker, not the liveness check", ("kubernetes.manifests",)),
    "k8s.scheduler-replicas": ProbeSpec("kubernetes", "Scheduler replicas for leader election", ("kubernetes.manifests",)),
    "k8s.websocket-affinity": ProbeSpec("kubernetes", "Session affinity for /ws", ("kubernetes.manifests",)),
    "k8s.load-balancer": ProbeSpec("kubernetes", "Ingress or load balancer in front of the api", ("kubernetes.manifests",)),
    "k8s.data-services-private": ProbeSpec("kubernetes", "PostgreSQL/Redis Services internal, NetworkPolicy", ("kubernetes.manifests",)),
    "k8s.secret-refs": ProbeSpec("kubernetes", "Secrets from Secret references, no literals", ("kubernetes.manifests",)),
    "k8s.resources": ProbeSpec("kubernetes", "Resource requests and limits set", ("kubernetes.manifests",)),
    "k8s.image-pinning": ProbeSpec("kubernetes", "Images pinned to a tag or digest", ("kubernetes.manifests",)),
    "k8s.grafana-dashboards": ProbeSpec("kubernetes", "Grafana dashboards as code, key metrics", ()),  # manifests or repository
    "k8s.log-shipper": ProbeSpec("kubernetes", "Log shipper DaemonSet", ("kubernetes.manifests",)),
    "k8s.log-retention": ProbeSpec("kubernetes", "Log store keeps logs for a bounded period", ()),  # manifests or repository
    "repo.ci-tests": ProbeSpec("repository", "CI runs the tests on every change", ("repository.path",)),
    "repo.ci-security-scan": ProbeSpec("repository", "CI runs SAST and dependency scanners", ("repository.path",)),
    "repo.version-tag": ProbeSpec("repository", "Deployed commit has a semver tag", ("repository.path",)),
    "repo.changelog": ProbeSpec("repository", "CHANGELOG has the latest tag", ("repository.path",)),
    "repo.staging": ProbeSpec("repository", "Staging environment or overlay", ("repository.path",)),
    "repo.progressive-delivery": ProbeSpec("repository", "Argo Rollouts, Flagger or a canary step", ("repository.path",)),
    "repo.alert-runbooks": ProbeSpec("repository", "Alert rules link runbooks that exist", ("repository.path",)),
    "repo.config-in-git": ProbeSpec("repository", "Deployment config committed and pushed", ("repository.path",)),
    "repo.architecture-doc": ProbeSpec("repository", "Architecture document names the components", ("repository.path",)),
    "repo.rto": ProbeSpec("repository", "RTO documented, under 1 hour", ("repository.path",)),
    "repo.rpo": ProbeSpec("repository", "RPO documented, under 5 minutes", ("repository.path",)),
    "repo.failover-doc": ProbeSpec("repository", "Failover procedure written down as steps", ("repository.path",)),
    "http.cdn": ProbeSpec("cdn", "Static assets cached by a CDN", ("api.frontend_origin",)),
    "s3.access-logs-retained": ProbeSpec("s3_retention", "Access logs kept for the documented retention", ("s3.bucket",)),
}

# Libraries a probe module imports inside its functions (kept out of start-up). A sweep imports
# them in a thread first, so a first sweep never stalls the event loop on a slow import.
LIBRARIES: dict[str, tuple[str, ...]] = {
    "postgres": ("psycopg", "psycopg.rows", "psycopg.sql"),
    "redis": ("redis.asyncio", "redis.asyncio.retry", "redis.backoff"),
    "s3": ("boto3", "botocore.config", "botocore.exceptions"),
    "openapi": ("yaml", "openapi_spec_validator"),
    "metrics": ("prometheus_client.parser", "prometheus_client.openmetrics.parser"),
    "prometheus": ("yaml",),
    "alertmanager": ("yaml",),
    "kubernetes": ("yaml",),
    "repository": ("yaml",),
    "s3_retention": ("boto3", "botocore.config", "botocore.exceptions"),
}
HTTP_LIBRARIES = ("httpx",)

PROBE_IDS: tuple[str, ...] = tuple(PROBES)
MODULES: tuple[str, ...] = tuple(dict.fromkeys(spec.module for spec in PROBES.values()))
