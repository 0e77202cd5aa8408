"""The deployment files (infra/): Kubernetes manifests validated against the API schemas bundled with
`kubernetes-validate` (offline), the compose stack and the image checked structurally (no container
engine runs on the build machines)."""

from __future__ import annotations

import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from gateway.app import create_app
from tests.conftest import make_settings

INFRA = Path(__file__).resolve().parents[2] / "infra"
K8S = INFRA / "k8s"
KUBERNETES_VERSION = "1.37.0"
SECRET_WORDS = re.compile(r"PASSWORD|SECRET|TOKEN|DATABASE_URL|ACCESS_KEY|OTLP", re.IGNORECASE)


def manifests() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text()):
            found.append((path.name, document))
    return found


def pod_specs() -> list[tuple[str, dict]]:
    specs = []
    for name, resource in manifests():
        kind = resource["kind"]
        if kind in ("Deployment", "Job"):
            specs.append((name, resource["spec"]["template"]["spec"]))
        elif kind == "CronJob":
            specs.append((name, resource["spec"]["jobTemplate"]["spec"]["template"]["spec"]))
    return specs


@pytest.mark.parametrize(
    ("name", "resource"), manifests(), ids=lambda value: value if isinstance(value, str) else ""
)
def test_each_manifest_is_valid_for_kubernetes(name, resource):
    kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


def test_a_broken_manifest_is_refused():
    resource = {**next(r for _, r in manifests() if r["kind"] == "PodDisruptionBudget")}
    resource["spec"] = {**resource["spec"], "minAvailable": [1]}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest():
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def test_the_deployment_set():
    kinds = {resource["kind"]: resource for _, resource in manifests()}
    assert set(kinds) >= {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Job"}
    deployment = kinds["Deployment"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert kinds["Service"]["spec"]["selector"] == selector
    assert kinds["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"] == selector
    assert (
        kinds["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    )
    assert kinds["HorizontalPodAutoscaler"]["spec"]["minReplicas"] >= 2
    assert kinds["Job"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["crm", "migrate"]
    (server,) = deployment["spec"]["template"]["spec"]["containers"]
    assert server["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert server["startupProbe"]["httpGet"]["path"] == "/readyz"
    assert server["livenessProbe"]["httpGet"]["path"] == "/healthz"


@pytest.mark.parametrize(
    ("name", "spec"), pod_specs(), ids=lambda value: value if isinstance(value, str) else ""
)
def test_pods_run_unprivileged_on_a_read_only_root_with_secrets_from_secret_refs(name, spec):
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["automountServiceAccountToken"] is False
    mounted = {volume["name"] for volume in spec["volumes"]}
    for container in spec["containers"]:
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"]
        assert {mount["mountPath"] for mount in container["volumeMounts"]} == {"/tmp"}
        assert {mount["name"] for mount in container["volumeMounts"]} <= mounted
        for variable in container.get("env", []):
            assert "value" not in variable, (name, variable)  # settings: ConfigMap; secrets: Secret refs
            assert variable["valueFrom"]["secretKeyRef"]["name"] == "crm-secrets"
    config = next(r for _, r in manifests() if r["kind"] == "ConfigMap")["data"]
    assert not [key for key in config if SECRET_WORDS.search(key)]


def compose() -> dict:
    return yaml.safe_load((INFRA / "compose.yaml").read_text())


def test_the_compose_stack():
    services = compose()["services"]
    assert set(services) == {"postgres", "minio", "migrate", "server", "jobs", "proxy", "redis"}
    assert services["server"]["deploy"]["replicas"] == 2
    assert services["redis"]["profiles"] == ["redis"]
    for name in ("postgres", "minio", "server", "proxy", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert "/readyz" in " ".join(services["server"]["healthcheck"]["test"])
    assert services["proxy"]["depends_on"]["server"]["condition"] == "service_healthy"
    assert services["server"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["jobs"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("migrate", "server", "jobs"):
        service = services[name]
        assert service["read_only"] is True and service["tmpfs"] == ["/tmp"], name
        assert service["build"]["dockerfile"] == "infra/Dockerfile"
    nginx = (INFRA / "nginx" / "nginx.conf").read_text()
    assert "server server:8000" in nginx and "Upgrade $http_upgrade" in nginx


def test_compose_takes_every_secret_from_the_environment():
    def secrets(node, path=""):  # type: ignore[no-untyped-def]
        if isinstance(node, dict):
            for key, value in node.items():
                yield from secrets(value, f"{path}.{key}")
        elif isinstance(node, str) and SECRET_WORDS.search(path.rsplit(".", 1)[-1]):
            yield path, node

    found = list(secrets(compose()))
    assert found
    for path, value in found:
        assert "${" in value, f"{path} holds a literal secret: {value}"
    example = dict(
        line.split("=", 1) for line in (INFRA / ".env.example").read_text().splitlines() if "=" in line
    )
    needed = set(re.findall(r"\$\{([A-Z_]+):\?", (INFRA / "compose.yaml").read_text()))
    assert needed <= set(example)


def test_the_image_is_multi_stage_unprivileged_and_checks_readiness():
    dockerfile = (INFRA / "Dockerfile").read_text()
    stages = re.findall(r"^FROM \S+ AS (\w+)", dockerfile, re.MULTILINE)
    assert stages == ["build", "runtime"]
    runtime = dockerfile.split("AS runtime", 1)[1]
    assert re.search(r"^USER 10001:10001$", runtime, re.MULTILINE)
    assert "COPY --from=build /opt/crm /opt/crm" in runtime
    assert re.search(r"^HEALTHCHECK .*\n.*/readyz", runtime, re.MULTILINE)
    assert "COPY tests" not in dockerfile and "COPY . " not in dockerfile


async def test_the_probed_endpoints_exist(database_urls):
    app = create_app(make_settings(), database_urls.app)
    try:
        paths = {getattr(route, "path", None) for route in app.routes}
    finally:
        await app.state.services.db.dispose()
    assert {"/healthz", "/readyz", "/metrics", "/graphql"} <= paths
