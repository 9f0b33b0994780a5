#!/usr/bin/env bash
# Offline checks of the manifests (no cluster needed):
#   - bundle-configmap.yaml matches what make-configmap.sh makes from rego-policies/ai-gateway
#   - every *.yaml parses and each document has apiVersion, kind, metadata.name
#   - the pieces agree: ConfigMap name and mount path vs. --bundle, Service port vs. the
#     extension provider, provider name vs. the AuthorizationPolicy
# The YAML checks need python3 with PyYAML; without it they are skipped (and say so).
#
# Usage: istio-manifests/validate.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT

bash "$here/make-configmap.sh" "$here/../rego-policies/ai-gateway" "$tmp" >/dev/null
drift=0
if ! diff -q "$tmp" "$here/bundle-configmap.yaml" >/dev/null; then
  drift=1
  echo "FAIL bundle-configmap.yaml is stale: run istio-manifests/make-configmap.sh"
fi

python3 - "$here" "$drift" <<'PY'
import glob, os, sys

here, drift = sys.argv[1], int(sys.argv[2])
passed, failed = (0, 1) if drift else (1, 0)
if not drift:
    print("ok   bundle-configmap.yaml matches rego-policies/ai-gateway")

try:
    import yaml
except ImportError:
    print("skip YAML checks: python3 module yaml (PyYAML) is not installed")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1; print(f"ok   {name}")
    else:
        failed += 1; print(f"FAIL {name} {detail}")

docs = {}
for path in sorted(glob.glob(os.path.join(here, "*.yaml"))):
    name = os.path.basename(path)
    try:
        items = [d for d in yaml.safe_load_all(open(path)) if d is not None]
    except yaml.YAMLError as e:
        check(f"{name} parses", False, str(e)); continue
    good = all(isinstance(d, dict) and d.get("apiVersion") and d.get("kind")
               and (d.get("metadata") or {}).get("name") for d in items)
    check(f"{name} parses ({len(items)} documents)", bool(items) and good,
          "(a document lacks apiVersion, kind or metadata.name)")
    for d in items:
        docs[(d["kind"], d["metadata"]["name"])] = d

def get(kind, name):
    d = docs.get((kind, name))
    check(f"{kind}/{name} present", d is not None)
    return d or {}

ns = get("Namespace", "jrego-system")
dep = get("Deployment", "jrego")
svc = get("Service", "jrego")
cm = get("ConfigMap", "jrego-bundle-ai-gateway")
op = get("IstioOperator", "jrego-extension-provider")
ap = get("AuthorizationPolicy", "llm-gateway-jrego")

pod = dep.get("spec", {}).get("template", {}).get("spec", {})
c = (pod.get("containers") or [{}])[0]
args = c.get("args", [])
bundle_path = args[args.index("--bundle") + 1] if "--bundle" in args else None
mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
vols = {v["name"]: v for v in pod.get("volumes", [])}
cm_vol = [n for n, v in vols.items() if v.get("configMap", {}).get("name") == cm.get("metadata", {}).get("name")]
check("Deployment mounts the bundle ConfigMap where --bundle points",
      len(cm_vol) == 1 and mounts.get(cm_vol[0]) == bundle_path, f"(--bundle {bundle_path}, mounts {mounts})")
check("Deployment runs as non-root", pod.get("securityContext", {}).get("runAsNonRoot") is True)
probes = {p: c.get(p, {}).get("httpGet", {}).get("path") for p in ("readinessProbe", "livenessProbe")}
check("probes: readiness /ready, liveness /health", probes == {"readinessProbe": "/ready", "livenessProbe": "/health"}, str(probes))

def arg(name):
    return args[args.index(name) + 1] if name in args else None
check("jrego listens on all interfaces: gRPC for the proxies, admin for probes and scrapes",
      arg("--addr") == ":9191" and arg("--admin-addr") == ":8181", f"(args {args})")
env = {e["name"]: e.get("value", "") for e in c.get("env", [])}
check("a JVM out of heap exits for the kubelet to restart it",
      "-XX:+ExitOnOutOfMemoryError" in env.get("JAVA_TOOL_OPTIONS", "").split(), str(env))
pa = get("PeerAuthentication", "jrego-mtls")
check("jrego's gRPC port accepts only mesh mTLS",
      pa.get("metadata", {}).get("namespace") == "jrego-system"
      and pa.get("spec", {}).get("mtls", {}).get("mode") == "STRICT"
      and pa.get("spec", {}).get("selector", {}).get("matchLabels") == {"app": "jrego"}, str(pa.get("spec")))

ports = {p["name"]: p for p in svc.get("spec", {}).get("ports", [])}
check("Service grpc port 9191 with appProtocol grpc",
      ports.get("grpc", {}).get("port") == 9191 and ports.get("grpc", {}).get("appProtocol") == "grpc")

providers = op.get("spec", {}).get("meshConfig", {}).get("extensionProviders", [])
prov = next((p for p in providers if "envoyExtAuthzGrpc" in p), {})
grpc = prov.get("envoyExtAuthzGrpc", {})
fqdn = f"{svc.get('metadata', {}).get('name')}.{svc.get('metadata', {}).get('namespace')}.svc.cluster.local"
check("extension provider points at the jrego Service",
      grpc.get("service") == fqdn and grpc.get("port") == ports.get("grpc", {}).get("port"), str(grpc))
check("extension provider fails closed", grpc.get("failOpen") is False)
check("AuthorizationPolicy is CUSTOM with the jrego provider",
      ap.get("spec", {}).get("action") == "CUSTOM"
      and ap.get("spec", {}).get("provider", {}).get("name") == prov.get("name"))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
