"""deploy/kubernetes/: every manifest valid against the Kubernetes schemas (offline, strict), and
the probes, resources, security settings and cross-references a working deployment needs."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from backend.settings import Settings
from tests.servers import REPO_ROOT

KUSTOMIZE_DIR = REPO_ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.30.0"  # the oldest release still maintained upstream when written
GUNICORN_GRACEFUL_TIMEOUT = 20  # gunicorn.conf.py


def kustomization() -> dict:
    return yaml.safe_load((KUSTOMIZE_DIR / "kustomization.yaml").read_text())


def load_documents() -> list[dict]:
    """Return every resource the kustomization lists, in order."""
    documents = []
    for name in kustomization()["resources"]:
        documents += [d for d in yaml.safe_load_all((KUSTOMIZE_DIR / name).read_text()) if d]
    return documents


DOCUMENTS = load_documents()


def resource(kind: str, name: str) -> dict:
    (found,) = [d for d in DOCUMENTS if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def containers(deployment: str) -> list[dict]:
    return resource("Deployment", deployment)["spec"]["template"]["spec"]["containers"]


def container(deployment: str) -> dict:
    """Return the deployment's own container: `backend` or `frontend`, not a sidecar."""
    (own,) = [c for c in containers(deployment) if c["name"] == deployment.split("-")[-1]]
    return own


def env_of(deployment: str) -> dict[str, dict]:
    return {item["name"]: item for item in container(deployment)["env"]}


def test_the_kustomization_lists_every_manifest_in_the_folder():
    listed = set(kustomization()["resources"])
    present = {p.name for p in KUSTOMIZE_DIR.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


def test_the_base_holds_what_a_deployment_needs():
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in DOCUMENTS)
    assert kinds == [
        ("Deployment", "lesion-backend"),
        ("Deployment", "lesion-frontend"),
        ("HorizontalPodAutoscaler", "lesion-backend"),
        ("NetworkPolicy", "lesion-backend"),
        ("NetworkPolicy", "lesion-frontend"),
        ("PodDisruptionBudget", "lesion-backend"),
        ("Secret", "lesion-api-keys"),
        ("Service", "lesion-backend"),
        ("Service", "lesion-frontend"),
    ]


@pytest.mark.parametrize(
    "document", DOCUMENTS, ids=[f"{d['kind']}/{d['metadata']['name']}" for d in DOCUMENTS]
)
def test_every_manifest_is_valid_kubernetes(document):
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_strict_validation_catches_a_misspelt_field():
    broken = yaml.safe_load(yaml.safe_dump(resource("Deployment", "lesion-backend")))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["htpGet"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_kustomize_renders_the_base():
    result = subprocess.run(
        ["kubectl", "kustomize", str(KUSTOMIZE_DIR)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    rendered = [d for d in yaml.safe_load_all(result.stdout) if d]
    assert len(rendered) == len(DOCUMENTS)
    for document in rendered:
        labels = document["metadata"]["labels"]
        assert labels["app.kubernetes.io/part-of"] == "lesion-classifier"


def test_backend_probes_use_the_health_endpoints_with_a_start_up_allowance():
    backend = container("lesion-backend")
    assert backend["readinessProbe"]["httpGet"]["path"] == "/health"
    assert backend["livenessProbe"]["httpGet"]["path"] == "/livez"
    startup = backend["startupProbe"]
    assert startup["httpGet"]["path"] == "/health"
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 60


def test_frontend_probes_use_streamlits_health_endpoint():
    frontend = container("lesion-frontend")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert frontend[probe]["httpGet"]["path"] == "/_stcore/health"


@pytest.mark.parametrize("deployment", ["lesion-backend", "lesion-frontend"])
def test_every_container_has_cpu_and_memory_requests_within_limits(deployment):
    resources = container(deployment)["resources"]

    def amount(value: str) -> float:
        units = {"m": 1e-3, "Mi": 2**20, "Gi": 2**30}
        for suffix, scale in units.items():
            if str(value).endswith(suffix):
                return float(str(value)[: -len(suffix)]) * scale
        return float(value)

    for kind in ("cpu", "memory"):
        assert amount(resources["requests"][kind]) <= amount(resources["limits"][kind])


def test_backend_memory_covers_its_workers_as_measured():
    """benchmarks/hostile_clients.py: master 48 MB; a worker with every shipped model about
    330 MB at rest, 580 MB at its peak (the heaviest upload accepted); the limit keeps a fifth
    in hand over that peak."""
    backend = container("lesion-backend")
    workers = int(env_of("lesion-backend")["WEB_CONCURRENCY"]["value"])
    request, limit = (
        int(backend["resources"][kind]["memory"].removesuffix("Mi")) * 2**20
        for kind in ("requests", "limits")
    )
    assert request >= (48 + workers * 330) * 1e6
    assert limit >= 1.2 * (48 + workers * 580) * 1e6


@pytest.mark.parametrize("deployment", ["lesion-backend", "lesion-frontend"])
def test_containers_run_unprivileged_on_a_read_only_root(deployment):
    spec = resource("Deployment", deployment)["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == 10001  # the images' user
    assert spec["automountServiceAccountToken"] is False
    for each in containers(deployment):  # sidecars too
        security = each["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"]["drop"] == ["ALL"]
        mounts = {m["mountPath"] for m in each["volumeMounts"]}
        assert "/tmp" in mounts  # the only writable place a read-only root leaves
        assert "limits" in each["resources"]


def test_clients_reach_the_backend_only_through_its_front_door():
    (proxy,) = [c for c in containers("lesion-backend") if c["name"] == "proxy"]
    assert proxy["image"] == "lesion-classifier-proxy"
    env = {e["name"]: e["value"] for e in proxy["env"]}
    assert env["BACKEND_UPSTREAM"] == "127.0.0.1:8000"
    assert env["MAX_UPLOAD_MB"] == env_of("lesion-backend")["MAX_UPLOAD_MB"]["value"]
    assert env_of("lesion-backend")["TRUSTED_PROXY_HOPS"]["value"] == "1"
    (port,) = resource("Service", "lesion-backend")["spec"]["ports"]
    (proxy_port,) = proxy["ports"]
    assert port["targetPort"] == proxy_port["name"], "the Service sends clients to the proxy"
    policy = resource("NetworkPolicy", "lesion-backend")["spec"]
    (rule,) = policy["ingress"]
    assert [p["port"] for p in rule["ports"]] == [proxy_port["containerPort"]]
    sources = [f.get("podSelector", {}).get("matchLabels") for f in rule["from"]]
    assert {"app.kubernetes.io/name": "lesion-frontend"} in sources


def test_images_are_tagged_with_the_projects_version():
    import tomllib

    version = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
    tags = {i["name"]: i["newTag"] for i in kustomization()["images"]}
    assert tags == dict.fromkeys(
        ["lesion-classifier-backend", "lesion-classifier-frontend", "lesion-classifier-proxy"],
        version,
    )


def test_backend_settings_in_the_manifest_are_ones_the_service_accepts():
    plain = {k: v["value"] for k, v in env_of("lesion-backend").items() if "value" in v}
    settings = Settings.from_env({**plain, "API_KEYS_FILE": ""})
    assert settings.host == "0.0.0.0" and settings.port == 8000
    assert settings.log_format == "json" and settings.rate_limit is None


def test_backend_reads_its_keys_from_the_mounted_secret():
    spec = resource("Deployment", "lesion-backend")["spec"]["template"]["spec"]
    keys_file = Path(env_of("lesion-backend")["API_KEYS_FILE"]["value"])
    (mount,) = [m for m in spec["containers"][0]["volumeMounts"] if m["name"] == "api-keys"]
    assert keys_file.parent == Path(mount["mountPath"]) and mount["readOnly"]
    (volume,) = [v for v in spec["volumes"] if v["name"] == "api-keys"]
    secret = resource("Secret", volume["secret"]["secretName"])
    assert [i["key"] for i in volume["secret"]["items"]] == [keys_file.name]
    assert keys_file.name in secret["stringData"]


def test_the_shipped_placeholder_key_is_refused_so_nobody_runs_with_it(tmp_path):
    keys = tmp_path / "api_keys"
    keys.write_text(resource("Secret", "lesion-api-keys")["stringData"]["api_keys"])
    with pytest.raises(ValueError, match="shorter than 16"):
        Settings.from_env({"API_KEYS_FILE": str(keys)})


def test_frontend_reaches_the_backend_service_with_a_key_from_the_secret():
    env = env_of("lesion-frontend")
    service = resource("Service", "lesion-backend")
    (port,) = service["spec"]["ports"]
    assert env["BACKEND_URL"]["value"] == f"http://{service['metadata']['name']}:{port['port']}"
    ref = env["BACKEND_API_KEY"]["valueFrom"]["secretKeyRef"]
    assert ref["key"] in resource("Secret", ref["name"])["stringData"]


@pytest.mark.parametrize("name", ["lesion-backend", "lesion-frontend"])
def test_each_service_selects_its_pods_on_a_named_container_port(name):
    service = resource("Service", name)
    template = resource("Deployment", name)["spec"]["template"]
    selector = service["spec"]["selector"]
    assert selector.items() <= template["metadata"]["labels"].items()
    port_names = {p["name"] for c in template["spec"]["containers"] for p in c["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names


def test_autoscaler_and_disruption_budget_cover_the_backend_pods():
    hpa = resource("HorizontalPodAutoscaler", "lesion-backend")["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "lesion-backend",
    }
    (metric,) = hpa["metrics"]
    assert metric["resource"]["name"] == "cpu" and hpa["minReplicas"] >= 2
    pdb = resource("PodDisruptionBudget", "lesion-backend")["spec"]
    pods = resource("Deployment", "lesion-backend")["spec"]["template"]["metadata"]["labels"]
    assert pdb["selector"]["matchLabels"].items() <= pods.items()
    assert pdb["minAvailable"] < hpa["minReplicas"]


def test_backend_rolls_out_without_dropping_requests():
    deployment = resource("Deployment", "lesion-backend")["spec"]
    assert deployment["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = deployment["template"]["spec"]
    pause = int(pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert pod["terminationGracePeriodSeconds"] > pause + GUNICORN_GRACEFUL_TIMEOUT


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_an_overlay_replaces_the_placeholder_keys_as_the_docs_show(tmp_path):
    """docs/deployment.md's overlay: a secretGenerator with `behavior: replace` and two files."""
    overlay = tmp_path / "prod"
    overlay.mkdir()
    (overlay / "api_keys").write_text("first-key-0123456789abcdef\nsecond-key-0123456789abcdef\n")
    (overlay / "frontend_key").write_text("first-key-0123456789abcdef")
    base = Path(os.path.relpath(KUSTOMIZE_DIR, overlay))
    (overlay / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": [str(base)],
                "secretGenerator": [
                    {
                        "name": "lesion-api-keys",
                        "behavior": "replace",
                        "files": ["api_keys", "frontend_key"],
                    }
                ],
                "generatorOptions": {"disableNameSuffixHash": True},
            }
        )
    )
    result = subprocess.run(
        ["kubectl", "kustomize", str(overlay)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    (secret,) = [d for d in yaml.safe_load_all(result.stdout) if d and d["kind"] == "Secret"]
    keys = base64.b64decode(secret["data"]["api_keys"]).decode()
    settings = Settings.from_env({"API_KEYS": keys.replace("\n", ",")})
    assert settings.api_keys == ("first-key-0123456789abcdef", "second-key-0123456789abcdef")
    assert "stringData" not in secret  # nothing of the placeholder is left
