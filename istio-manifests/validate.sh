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

# spiffe/: jrego terminating mTLS itself with its SPIRE SVID (README.md, "jrego's own mTLS")
sp = os.path.join(here, "spiffe")
spdocs = {}
for path in sorted(glob.glob(os.path.join(sp, "*.yaml"))):
    name = "spiffe/" + os.path.basename(path)
    try:
        items = [d for d in yaml.safe_load_all(open(path)) if d is not None]
    except yaml.YAMLError as e:
        check(f"{name} parses", False, str(e)); continue
    check(f"{name} parses ({len(items)} documents)", bool(items))
    spdocs[os.path.basename(path)] = items
patch = (spdocs.get("jrego-patch.yaml") or [{}])[0].get("spec", {}).get("template", {})
ppod = patch.get("spec", {})
pcs = {c["name"]: c for c in ppod.get("containers", [])}
pargs = pcs.get("jrego", {}).get("args", [])
def parg(name):
    return pargs[pargs.index(name) + 1] if name in pargs else None
svid_dir = parg("--tls-svid-dir")
jm = {m["name"]: m["mountPath"] for m in pcs.get("jrego", {}).get("volumeMounts", [])}
hm = {m["name"]: m["mountPath"] for m in pcs.get("spiffe-helper", {}).get("volumeMounts", [])}
helper = next((d for d in spdocs.get("spiffe-helper-configmap.yaml", []) if d.get("kind") == "ConfigMap"), {})
conf = dict(
    (k.strip(), v.strip().strip('"'))
    for k, v in (l.split("=", 1) for l in helper.get("data", {}).get("helper.conf", "").splitlines() if "=" in l))
check("spiffe: jrego reads the SVID folder spiffe-helper writes",
      svid_dir is not None and jm.get("svid") == svid_dir and hm.get("svid") == svid_dir
      and conf.get("cert_dir") == svid_dir, f"(--tls-svid-dir {svid_dir}, jrego {jm}, helper {hm}, {conf})")
check("spiffe: spiffe-helper writes the file names jrego reads",
      (conf.get("svid_file_name"), conf.get("svid_key_file_name"), conf.get("svid_bundle_file_name"))
      == ("svid.pem", "svid_key.pem", "bundle.pem"), str(conf))
check("spiffe: the Workload API socket is mounted where spiffe-helper looks",
      conf.get("agent_address", "").startswith(hm.get("spiffe-workload-api", "?") + "/"), str(conf))
pvols = {v["name"]: v for v in ppod.get("volumes", [])}
check("spiffe: the helper's ConfigMap is the one in spiffe-helper-configmap.yaml",
      pvols.get("spiffe-helper-config", {}).get("configMap", {}).get("name") == helper.get("metadata", {}).get("name"))
allowed = (parg("--tls-allowed-spiffe-id") or "").split(",")
check("spiffe: the allow-list holds SPIFFE IDs",
      all(__import__("re").fullmatch(r"spiffe://[a-z0-9._-]+(/[A-Za-z0-9._-]+)*(/\*)?", a) for a in allowed) and allowed != [""],
      str(allowed))
check("spiffe: no Istio sidecar in front of jrego's own TLS",
      patch.get("metadata", {}).get("annotations", {}).get("sidecar.istio.io/inject") == "false")
dr = (spdocs.get("destination-rule.yaml") or [{}])[0]
sa = ppod.get("serviceAccountName")
sans = [t.get("tls", {}).get("subjectAltNames") for t in dr.get("spec", {}).get("trafficPolicy", {}).get("portLevelSettings", [])]
check("spiffe: the proxies call jrego with mesh mTLS and expect its SPIFFE ID",
      dr.get("spec", {}).get("host") == fqdn
      and sans == [[f"spiffe://cluster.local/ns/{svc.get('metadata', {}).get('namespace')}/sa/{sa}"]]
      and any(d.get("kind") == "ServiceAccount" and d["metadata"]["name"] == sa for d in spdocs.get("service-account.yaml", [])),
      f"(host {dr.get('spec', {}).get('host')}, SANs {sans}, service account {sa})")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
