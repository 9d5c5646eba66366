"""Checks every deployment file under deploy/, as scripts/test runs it:

- CloudFormation: cfn-lint on every template, 0 errors.
- checkov on CloudFormation, Terraform, the Dockerfile and the rendered Helm chart: no failed
  check (checkov cannot fetch severities offline, so every failure counts); each check that is
  skipped carries a written reason next to the resource.
- hadolint on the Dockerfile, and its build step equal to the README's release build.
- Helm: `helm lint` and `helm template` when Helm is installed, else the chart rendered by
  helm_render.py; every manifest validated against the Kubernetes schemas
  (kubernetes-validate, offline, strict), values checked against values.schema.json.
- compose.yaml: secrets come from files, never from the environment.
- every deployment sets ISCHED_SECRET_KEY, so the signing keys are sealed at rest.

Exit 0 when everything passes; otherwise every problem is printed and the exit is 1.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from helm_render import Renderer, deep_merge  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHART = DEPLOY / "helm" / "isched"
BIN = Path(sys.executable).parent
KUBERNETES = "1.30.0"
# Values that switch on every optional part of the chart, so that all of it is checked.
EVERYTHING_ON = {
    "image": {"digest": "sha256:" + "0" * 64},
    "serviceMonitor": {"enabled": True},
    "adminPasswordSecret": {"name": "isched-admin"},
    "secretKeySecret": {"previousKey": "previous-secret-key"},
    "serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/isched"}},
}
# Kinds from CRDs, which the core schemas do not describe.
CUSTOM_KINDS = {"ServiceMonitor"}

problems: list[str] = []


def run(args: list[str], what: str, ok_codes=(0,)) -> str:
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in ok_codes:
        problems.append(f"{what} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def cloudformation() -> None:
    templates = sorted(str(p) for p in (DEPLOY / "cloudformation").glob("*.yml"))
    done = subprocess.run([str(BIN / "cfn-lint"), *templates], cwd=ROOT, capture_output=True, text=True)
    # cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational.
    if done.returncode & 2 or done.returncode & 1:
        problems.append(f"cfn-lint found errors:\n{done.stdout}{done.stderr}")
    elif done.stdout.strip():
        print(done.stdout)
    print(f"cfn-lint: {len(templates)} templates, 0 errors")


def checkov(directory: Path, frameworks: list[str], what: str) -> None:
    # --skip-download: no network; the result is the same offline checks either way.
    output = run(
        [str(BIN / "checkov"), "-d", str(directory), "--framework", *frameworks, "--compact",
         "--quiet", "--skip-download", "--output", "json"],
        f"checkov ({what})",
        ok_codes=(0, 1),
    )
    try:
        reports = json.loads(output or "[]")
    except json.JSONDecodeError:
        problems.append(f"checkov ({what}) printed no report:\n{output}")
        return
    for report in reports if isinstance(reports, list) else [reports]:
        results = report.get("results", {})
        failed = results.get("failed_checks", [])
        for check in failed:
            problems.append(
                f"checkov {check['check_id']} ({check['check_name']}) fails for "
                f"{check['resource']} in {check['file_path']}"
            )
        summary = report.get("summary", {})
        print(f"checkov {report.get('check_type', what)}: {summary.get('passed', 0)} passed, "
              f"{len(failed)} failed, {summary.get('skipped', 0)} skipped with a reason")
        for check in results.get("skipped_checks", []):
            if not (check.get("suppress_comment") or "").strip():
                problems.append(f"checkov {check['check_id']} is skipped without a reason for {check['resource']}")


def dockerfile() -> None:
    run([str(BIN / "hadolint"), str(DEPLOY / "Dockerfile")], "hadolint")
    readme = (ROOT / "README.md").read_text()
    build = re.search(r"^(cargo build --release[^\n]*)$", readme, re.MULTILINE)
    step = re.search(r"^RUN (cargo build [^\\\n]*?)\s*(\\|$)", (DEPLOY / "Dockerfile").read_text(), re.MULTILINE)
    if not build or not step:
        problems.append("the README's `cargo build --release ...` line or the Dockerfile's RUN cargo build step is missing")
    elif build.group(1).strip() != step.group(1).strip():
        problems.append(f"the Dockerfile builds with `{step.group(1).strip()}` but the README with `{build.group(1).strip()}`")
    else:
        print(f"Dockerfile: hadolint clean; builds as the README does ({build.group(1).strip()})")


def render_chart(values_override: dict) -> str:
    helm = shutil.which("helm")
    if helm:
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            yaml.safe_dump(values_override, f)
            f.flush()
            run([helm, "lint", "--strict", str(CHART), "-f", f.name], "helm lint")
            return run([helm, "template", "isched", str(CHART), "--namespace", "isched", "-f", f.name], "helm template")
    values = deep_merge(yaml.safe_load((CHART / "values.yaml").read_text()), values_override)
    jsonschema.validate(values, json.loads((CHART / "values.schema.json").read_text()))
    rendered = Renderer(CHART, values, release="isched", namespace="isched").render()
    return "\n---\n".join(f"# Source: isched/templates/{name}\n{text}" for name, text in rendered.items())


def helm_chart() -> None:
    for label, override in (("default values", {}), ("every option on", EVERYTHING_ON)):
        try:
            manifests_text = render_chart(override)
        except Exception as e:  # noqa: BLE001 - every failure is a finding to report
            problems.append(f"Helm chart with {label} does not render: {e}")
            continue
        documents = [d for d in yaml.safe_load_all(manifests_text) if d]
        kinds = []
        for document in documents:
            kinds.append(document["kind"])
            if document["kind"] in CUSTOM_KINDS:
                continue
            try:
                kubernetes_validate.validate(document, KUBERNETES, strict=True)
            except kubernetes_validate.ValidationError as e:
                problems.append(f"Helm chart ({label}): {document['kind']} is not valid Kubernetes {KUBERNETES}: {e.message}")
        print(f"helm chart ({label}): {len(documents)} manifests valid for Kubernetes {KUBERNETES}: {', '.join(kinds)}")
        if override is EVERYTHING_ON:
            with tempfile.TemporaryDirectory() as directory:
                Path(directory, "isched.yaml").write_text(manifests_text)
                checkov(Path(directory), ["kubernetes"], "Helm chart")
    if not shutil.which("helm"):
        print("helm: not installable from the package registries here; rendered by scripts/deploy_check/helm_render.py")


def compose() -> None:
    spec = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    secret_words = re.compile(r"PASSWORD|SECRET|TOKEN", re.IGNORECASE)
    for name, service in spec["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if secret_words.search(key) and not key.endswith("_FILE"):
                problems.append(f"compose.yaml: {name} sets {key} in the environment; use {key}_FILE and a secret")
            if "://" in str(value) and re.search(r"://[^/@:]+:[^/@]+@", str(value)):
                problems.append(f"compose.yaml: {name}'s {key} carries a password in a URL")
        for secret in service.get("secrets", []):
            if secret not in spec.get("secrets", {}):
                problems.append(f"compose.yaml: {name} uses the undefined secret {secret}")
    replicas = [n for n, s in spec["services"].items() if "isched" in str(s.get("image", ""))]
    if len(replicas) < 2:
        problems.append("compose.yaml: fewer than two isched replicas")
    print(f"compose.yaml: {len(replicas)} isched replicas, secrets from files")


def secret_key() -> None:
    """Every deployment seals the token signing keys: it sets ISCHED_SECRET_KEY (or _FILE)."""
    files = ["compose.yaml", "cloudformation/without_network.yml", "terraform/service.tf",
             "helm/isched/templates/deployment.yaml"]
    missing = [f for f in files if "ISCHED_SECRET_KEY" not in (DEPLOY / f).read_text()]
    for f in missing:
        problems.append(f"{f}: does not set ISCHED_SECRET_KEY, so signing keys would be stored unsealed")
    print(f"secret key: set by {len(files) - len(missing)} of {len(files)} deployments")


def main() -> int:
    cloudformation()
    checkov(DEPLOY, ["cloudformation", "terraform", "dockerfile"], "CloudFormation, Terraform, Dockerfile")
    dockerfile()
    helm_chart()
    compose()
    secret_key()
    if problems:
        print("\nDeployment files have problems:\n- " + "\n- ".join(problems), file=sys.stderr)
        return 1
    print("deployment files: all checks pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
