"""Manifest probes on manifests written to temporary directories: LinkFlow as shipped fails where the
reference says it does, LinkFlow fixed passes, and each probe's other outcomes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.probes.engine import run_probe
from tests.probes.manifests import (
    container,
    cpu,
    deployment,
    find,
    fixed,
    hpa,
    ingress,
    profile_context,
    run_on,
    service,
    shipped,
    write,
)

K8S_PROBES = ["k8s.api-hpa", "k8s.worker-autoscaling", "k8s.liveness", "k8s.readiness", "k8s.scheduler-replicas",
              "k8s.websocket-affinity", "k8s.load-balancer", "k8s.data-services-private", "k8s.secret-refs",
              "k8s.resources", "k8s.image-pinning", "k8s.grafana-dashboards", "k8s.log-shipper"]
SHIPPED_FAILS = [p for p in K8S_PROBES if p not in ("k8s.api-hpa", "k8s.load-balancer", "k8s.secret-refs", "k8s.resources")]


def line(result: ProbeResult, label_start: str):
    return next(e for e in result.evidence if e.label.startswith(label_start))


@pytest.mark.parametrize("probe_id", K8S_PROBES)
async def test_fixed_linkflow_passes(probe_id: str, tmp_path: Path) -> None:
    result = await run_on(probe_id, tmp_path, fixed())
    assert result.status is Status.PASS, (result.summary, result.evidence)
    assert result.evidence, "every verdict carries evidence"


@pytest.mark.parametrize("probe_id", SHIPPED_FAILS)
async def test_shipped_linkflow_fails(probe_id: str, tmp_path: Path) -> None:
    result = await run_on(probe_id, tmp_path, shipped())
    assert result.status is Status.FAIL, (result.summary, result.evidence)
    assert any(e.ok is False for e in result.evidence)


# --- the loader ------------------------------------------------------------------------------


async def test_broken_yaml_is_error_with_file_and_line(tmp_path: Path) -> None:
    deploy = tmp_path / "deploy"
    write(deploy, fixed())
    (deploy / "broken.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n   bad: [unclosed\n")
    result = await run_probe("k8s.api-hpa", profile_context(tmp_path, '[kubernetes]\nmanifests = ["deploy"]'))
    assert result.status is Status.ERROR
    assert f"{deploy / 'broken.yaml'}:5" in result.summary


async def test_missing_path_and_empty_manifests_are_errors(tmp_path: Path) -> None:
    result = await run_probe("k8s.liveness", profile_context(tmp_path, '[kubernetes]\nmanifests = ["nowhere"]'))
    assert result.status is Status.ERROR and "nowhere" in result.summary and "not found" in result.summary
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "values.yaml").write_text("replicaCount: 2\n")
    result = await run_probe("k8s.liveness", profile_context(tmp_path, '[kubernetes]\nmanifests = ["empty"]'))
    assert result.status is Status.ERROR and "no Kubernetes objects" in result.summary


async def test_alias_bomb_is_error_not_a_hang(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8))
    (tmp_path / "bomb.yaml").write_text(bomb)
    result = await run_probe("k8s.liveness", profile_context(tmp_path, '[kubernetes]\nmanifests = ["bomb.yaml"]'))
    assert result.status is Status.ERROR and "bomb.yaml:1" in result.summary


async def test_kind_list_from_kubectl_and_several_files(tmp_path: Path) -> None:
    objects = fixed()
    listed = {"apiVersion": "v1", "kind": "List", "items": objects[:5], "metadata": {"resourceVersion": ""}}
    (tmp_path / "kubectl.yaml").write_text(yaml.safe_dump(listed))
    write(tmp_path / "rest", objects[5:])
    ctx = profile_context(tmp_path, '[kubernetes]\nmanifests = ["kubectl.yaml", "rest"]')
    result = await run_probe("k8s.api-hpa", ctx)
    assert result.status is Status.PASS, result.summary
    assert "kubectl.yaml" in result.raw["HorizontalPodAutoscaler/linkflow-api-hpa"]


async def test_stdin_outside_check_is_error(tmp_path: Path) -> None:
    result = await run_probe("k8s.liveness", profile_context(tmp_path, '[kubernetes]\nmanifests = ["-"]'))
    assert result.status is Status.ERROR and "only `check`" in result.summary


async def test_workload_names_are_overridable_and_helm_prefixes_found(tmp_path: Path) -> None:
    objects = fixed()
    for obj in objects:
        if obj["metadata"]["name"] == "linkflow-api" or obj["kind"] == "HorizontalPodAutoscaler":
            obj["metadata"]["name"] = "prod-" + obj["metadata"]["name"]
    find(objects, "HorizontalPodAutoscaler", "prod-linkflow-api-hpa")["spec"]["scaleTargetRef"]["name"] = "prod-linkflow-api"
    assert (await run_on("k8s.api-hpa", tmp_path, objects)).status is Status.PASS
    result = await run_on("k8s.api-hpa", tmp_path, objects, 'api = "gateway"')
    assert result.status is Status.ERROR and "kubernetes.api" in result.summary


# --- per probe -------------------------------------------------------------------------------


async def test_shipped_api_hpa_warns_on_its_memory_target(tmp_path: Path) -> None:
    result = await run_on("k8s.api-hpa", tmp_path, shipped())
    assert result.status is Status.WARN and "Resource memory" in result.summary


async def test_api_hpa_off_target_warns_and_one_replica_fails(tmp_path: Path) -> None:
    objects = fixed()
    find(objects, "HorizontalPodAutoscaler", "linkflow-api-hpa")["spec"]["metrics"] = [cpu(60)]
    result = await run_on("k8s.api-hpa", tmp_path, objects)
    assert result.status is Status.WARN and line(result, "HorizontalPodAutoscaler/linkflow-api-hpa CPU").actual == "60 %"
    find(objects, "HorizontalPodAutoscaler", "linkflow-api-hpa")["spec"].update(metrics=[cpu(70)], minReplicas=1)
    result = await run_on("k8s.api-hpa", tmp_path, objects)
    assert result.status is Status.FAIL and "minReplicas" in result.summary


async def test_api_hpa_without_cpu_request_fails(tmp_path: Path) -> None:
    objects = fixed()
    del find(objects, "Deployment", "linkflow-api")["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]
    result = await run_on("k8s.api-hpa", tmp_path, objects)
    assert result.status is Status.FAIL and line(result, "Deployment/linkflow-api containers").actual == "missing"


async def test_worker_hpa_on_external_metric_passes_and_cpu_only_names_it(tmp_path: Path) -> None:
    objects = [o for o in fixed() if o["kind"] != "ScaledObject"]
    objects.append(hpa("linkflow-worker-hpa", "linkflow-worker",
                       [{"type": "External", "external": {"metric": {"name": "asynq_queue_size"}, "target": {"type": "AverageValue", "averageValue": "100"}}}]))
    assert (await run_on("k8s.worker-autoscaling", tmp_path, objects)).status is Status.PASS
    result = await run_on("k8s.worker-autoscaling", tmp_path, shipped())
    assert "CPU/memory only" in result.summary
    assert line(result, "HorizontalPodAutoscaler/linkflow-worker-hpa").actual == "Resource cpu"


async def test_readiness_identical_to_liveness_fails(tmp_path: Path) -> None:
    result = await run_on("k8s.readiness", tmp_path, shipped())
    assert result.status is Status.FAIL
    assert line(result, "Deployment/linkflow-api container api readiness vs liveness").actual.startswith("identical: httpGet /api/v1/health")


async def test_documented_single_scheduler_passes(tmp_path: Path) -> None:
    objects = fixed()
    scheduler = find(objects, "Deployment", "linkflow-scheduler")
    scheduler["spec"]["replicas"] = 1
    assert (await run_on("k8s.scheduler-replicas", tmp_path, objects)).status is Status.FAIL
    scheduler["metadata"]["annotations"] = {"linkflow-console/single-replica": "cron jobs must not run twice; restarts in 20 s"}
    result = await run_on("k8s.scheduler-replicas", tmp_path, objects)
    assert result.status is Status.PASS and "documented" in result.evidence[0].actual


@pytest.mark.parametrize("annotations", [
    {"nginx.ingress.kubernetes.io/upstream-hash-by": "$remote_addr"},
    {"haproxy.org/cookie-persistence": "lf-ws"},
    {"alb.ingress.kubernetes.io/target-group-attributes": "stickiness.enabled=true,stickiness.lb_cookie.duration_seconds=3600"},
])
async def test_websocket_affinity_other_controllers(annotations: dict[str, str], tmp_path: Path) -> None:
    objects = [o for o in fixed() if o["kind"] != "Ingress"] + [ingress(annotations)]
    assert (await run_on("k8s.websocket-affinity", tmp_path, objects)).status is Status.PASS


async def test_service_client_ip_affinity_counts_only_without_an_ingress(tmp_path: Path) -> None:
    objects = shipped()
    find(objects, "Service", "linkflow-api")["spec"]["sessionAffinity"] = "ClientIP"
    result = await run_on("k8s.websocket-affinity", tmp_path, objects)
    assert result.status is Status.FAIL and "ignored" in line(result, "Ingress/linkflow-ingress route").actual
    objects = [o for o in objects if o["kind"] != "Ingress"]
    find(objects, "Service", "linkflow-api")["spec"]["type"] = "LoadBalancer"
    assert (await run_on("k8s.websocket-affinity", tmp_path, objects)).status is Status.PASS


async def test_traefik_sticky_service_annotation_covers_its_routes(tmp_path: Path) -> None:
    objects = shipped()
    find(objects, "Service", "linkflow-api")["metadata"]["annotations"] = {"traefik.ingress.kubernetes.io/service.sticky.cookie": "true"}
    assert (await run_on("k8s.websocket-affinity", tmp_path, objects)).status is Status.PASS


async def test_no_ingress_fails_load_balancer(tmp_path: Path) -> None:
    objects = [o for o in shipped() if o["kind"] != "Ingress"]
    result = await run_on("k8s.load-balancer", tmp_path, objects)
    assert result.status is Status.FAIL
    objects.append(service("linkflow-api-lb", 443, "linkflow-api", kind="LoadBalancer"))
    assert (await run_on("k8s.load-balancer", tmp_path, objects)).status is Status.PASS


async def test_data_services_policy_allowing_everyone_fails_and_none_skips(tmp_path: Path) -> None:
    objects = fixed()
    find(objects, "NetworkPolicy", "redis-ingress")["spec"]["ingress"] = [{}]
    result = await run_on("k8s.data-services-private", tmp_path, objects)
    assert result.status is Status.FAIL and "allows every source" in line(result, "Service/redis NetworkPolicy").actual
    objects = [o for o in fixed() if o["metadata"]["name"] not in ("postgres", "redis")]
    assert (await run_on("k8s.data-services-private", tmp_path, objects)).status is Status.SKIPPED


async def test_literal_secret_fails_without_showing_the_value(tmp_path: Path) -> None:
    objects = fixed()
    api = find(objects, "Deployment", "linkflow-api")["spec"]["template"]["spec"]["containers"][0]
    api["env"] = [{"name": "JWT_SECRET", "value": "s3cr3t-value-that-must-not-show"}, {"name": "JWT_ACCESS_EXPIRY", "value": "15m"},
                  {"name": "REDIS_URL", "value": "redis://:hunter2pass@redis:6379/0"}]
    result = await run_on("k8s.secret-refs", tmp_path, objects)
    assert result.status is Status.FAIL
    text = repr(result.to_dict())
    assert "s3cr3t" not in text and "hunter2pass" not in text
    assert "JWT_SECRET (literal, 31 characters)" in text and "REDIS_URL" in text and "JWT_ACCESS_EXPIRY" not in text


async def test_secret_in_configmap_fails(tmp_path: Path) -> None:
    objects = fixed() + [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "linkflow-config"},
                          "data": {"APP_ENVIRONMENT": "production", "DATABASE_PASSWORD": "p4ssw0rd-literal"}}]
    result = await run_on("k8s.secret-refs", tmp_path, objects)
    assert result.status is Status.FAIL and "p4ssw0rd" not in repr(result.to_dict())


async def test_missing_limits_fail_resources(tmp_path: Path) -> None:
    objects = fixed()
    worker = find(objects, "Deployment", "linkflow-worker")["spec"]["template"]["spec"]["containers"][0]
    worker["resources"] = {"requests": {"cpu": "100m"}}
    result = await run_on("k8s.resources", tmp_path, objects)
    assert result.status is Status.FAIL
    assert "missing requests.memory, limits.memory" in line(result, "Deployment/linkflow-worker").actual


async def test_untagged_image_is_not_pinned(tmp_path: Path) -> None:
    objects = fixed() + [deployment("tool", container("tool", "registry:5000/tools/migrate"))]
    result = await run_on("k8s.image-pinning", tmp_path, objects)
    assert result.status is Status.FAIL and "no tag" in line(result, "Deployment/tool").actual


async def test_dashboards_missing_metrics_warn_and_provisioning_json_counts(tmp_path: Path) -> None:
    objects = fixed()
    find(objects, "ConfigMap", "linkflow-dashboard")["data"] = {"d.json": '{"panels": [{"expr": "linkflow_queue_depth"}]}'}
    result = await run_on("k8s.grafana-dashboards", tmp_path, objects)
    assert result.status is Status.WARN and "request latency" in result.summary
    import json

    from tests.probes.manifests import DASHBOARD
    from tests.probes.repo_builder import make_repo

    make_repo(tmp_path / "repo", {"grafana/dashboards/linkflow.json": json.dumps(DASHBOARD)})
    ctx = profile_context(tmp_path, f'[repository]\npath = "{tmp_path / "repo"}"')
    result = await run_probe("k8s.grafana-dashboards", ctx)
    assert result.status is Status.PASS and "grafana/dashboards/linkflow.json" in result.evidence[0].actual


async def test_log_aggregator_without_node_agent_warns(tmp_path: Path) -> None:
    objects = [o for o in fixed() if o["kind"] != "DaemonSet"]
    objects.append(deployment("vector-aggregator", container("vector", "timberio/vector:0.39.0-debian")))
    assert (await run_on("k8s.log-shipper", tmp_path, objects)).status is Status.WARN


async def test_unrendered_helm_template_says_render_it(tmp_path: Path) -> None:
    chart = tmp_path / "templates"
    chart.mkdir()
    (chart / "deployment.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-api\n  labels: {{- include \"x\" . | nindent 4 }}\n")
    result = await run_probe("k8s.liveness", profile_context(tmp_path, '[kubernetes]\nmanifests = ["templates"]'))
    assert result.status is Status.ERROR and "helm template" in result.summary and "deployment.yaml:" in result.summary


async def test_json_manifests_are_read(tmp_path: Path) -> None:
    import json

    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "all.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": fixed()}))
    result = await run_probe("k8s.liveness", profile_context(tmp_path, '[kubernetes]\nmanifests = ["deploy"]'))
    assert result.status is Status.PASS and "all.json" in result.raw["manifests"]


@pytest.mark.parametrize(("name", "value", "secret"), [
    ("JWT_SECRET", "Zq8#vR2!mW9@kL4$", True), ("DATABASE_PASSWORD", "hunter2", True), ("S3_SECRET_ACCESS_KEY", "abc/def", True),
    ("SENTRY_DSN", "https://key@o1.ingest.sentry.io/2", True), ("DATABASE_URL", "postgres://app:pw@db/linkflow", True),
    ("JWT_ACCESS_TOKEN_EXPIRY", "15m", False), ("JWT_SECRET_FILE", "/run/secrets/jwt", False), ("S3_ACCESS_KEY_ID_REF", "x", False),
    ("REDIS_TLS", "true", False), ("API_KEY_ROTATION_DAYS", "90", False), ("DATABASE_URL", "postgres://db/linkflow", False),
])
def test_what_looks_like_a_secret(name: str, value: str, secret: bool) -> None:
    from linkflow_console.probes.kubernetes.pods import looks_secret

    assert looks_secret(name, value) is secret


LOKI_AS_SHIPPED = """auth_enabled: false
server: {http_listen_port: 3100}
schema_config: {configs: [{from: 2020-10-24, store: boltdb-shipper, object_store: filesystem, schema: v11}]}
limits_config: {reject_old_samples: true}
table_manager: {retention_deletes_enabled: false, retention_period: 0s}
"""


async def test_log_retention_from_a_loki_configmap(tmp_path: Path) -> None:
    loki = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "loki", "namespace": "monitoring"},
            "data": {"loki.yaml": LOKI_AS_SHIPPED}}
    result = await run_on("k8s.log-retention", tmp_path, fixed() + [loki])
    assert result.status is Status.FAIL and "retention_period 0s" in result.summary
    loki["data"]["loki.yaml"] = LOKI_AS_SHIPPED.replace("limits_config: {reject_old_samples: true}",
                                                        "limits_config: {retention_period: 720h}\ncompactor: {retention_enabled: true}")
    result = await run_on("k8s.log-retention", tmp_path, fixed() + [loki])
    assert result.status is Status.PASS and "30 d" in result.summary
    loki["data"]["loki.yaml"] = LOKI_AS_SHIPPED.replace("limits_config: {reject_old_samples: true}", "limits_config: {retention_period: 720h}")
    result = await run_on("k8s.log-retention", tmp_path, fixed() + [loki])
    assert result.status is Status.FAIL and "ignored" in result.summary


async def test_log_retention_from_repository_files_and_nothing_is_error(tmp_path: Path) -> None:
    from tests.probes.repo_builder import commit, make_repo

    repo = make_repo(tmp_path / "repo", {"infra/logs.tf": 'resource "aws_cloudwatch_log_group" "api" {\n  retention_in_days = 30\n}\n'})
    result = await run_probe("k8s.log-retention", profile_context(tmp_path, f'[repository]\npath = "{repo}"'))
    assert result.status is Status.PASS and "retention_in_days 30" in result.summary
    commit(repo, {"infra/logs.tf": "# nothing\n"})
    (repo / "scratch.tf").write_text("retention_in_days = 7\n")  # not committed: not the team's configuration
    result = await run_probe("k8s.log-retention", profile_context(tmp_path, f'[repository]\npath = "{repo}"'))
    assert result.status is Status.ERROR and "could not tell" in result.summary


def test_durations() -> None:
    from linkflow_console.probes.kubernetes.logstore import duration_days

    assert duration_days("720h") == 30 and duration_days("0s") == 0 and duration_days("1w2d") == 9
    assert duration_days("forever") is None


async def test_prometheus_trigger_on_queue_passes_and_shows_no_credentials(tmp_path: Path) -> None:
    objects = fixed()
    find(objects, "ScaledObject", "linkflow-worker")["spec"]["triggers"] = [{"type": "prometheus", "metadata": {
        "serverAddress": "http://user:pw-in-url@prometheus:9090", "query": "sum(asynq_queue_size{queue='default'})",
        "threshold": "100", "bearerToken": "tok-should-not-show"}}]
    result = await run_on("k8s.worker-autoscaling", tmp_path, objects)
    assert result.status is Status.PASS and "asynq_queue_size" in result.summary
    assert "pw-in-url" not in repr(result.to_dict()) and "tok-should-not-show" not in repr(result.to_dict())
