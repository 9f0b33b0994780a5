#!/usr/bin/env bash
# Offline checks of the manifests (no cluster needed):
#   - bundle-configmap.yaml matches what make-configmap.sh makes from rego-policies/ai-gateway
#     and rego-policies/ai-guards
#   - every *.yaml parses and each document has apiVersion, kind, metadata.name
#   - the pieces agree: each bundle ConfigMap mounted where a --bundle points, Service port vs. the
#     extension provider, provider name vs. the AuthorizationPolicy
#   - the ext_proc EnvoyFilter: same workloads as the AuthorizationPolicy, inserted before the
#     router, its cluster the jrego Service's gRPC port, failing closed, with the same filter
#     settings as envoy-config/envoy.yaml; and the real Envoy (`envoy --mode validate`, from
#     .ci/install-envoy.sh) accepts its typed_config in a minimal bootstrap
# The YAML checks need python3 with PyYAML; without it they are skipped (and say so).
#
# Usage: istio-manifests/validate.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT

bash "$here/make-configmap.sh" "$tmp" >/dev/null
drift=0
if ! diff -q "$tmp" "$here/bundle-configmap.yaml" >/dev/null; then
  drift=1
  echo "FAIL bundle-configmap.yaml is stale: run istio-manifests/make-configmap.sh"
fi

python3 - "$here" "$drift" "$(command -v envoy || true)" <<'PY'
import glob, os, subprocess, sys, tempfile

here, drift, envoy = sys.argv[1], int(sys.argv[2]), sys.argv[3]
passed, failed = (0, 1) if drift else (1, 0)
if not drift:
    print("ok   bundle-configmap.yaml matches rego-policies/ai-gateway and ai-guards")

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
cms = [get("ConfigMap", "jrego-bundle-" + b) for b in ("ai-gateway", "ai-guards")]
op = get("IstioOperator", "jrego-extension-provider")
ap = get("AuthorizationPolicy", "llm-gateway-jrego")

pod = dep.get("spec", {}).get("template", {}).get("spec", {})
c = (pod.get("containers") or [{}])[0]
args = c.get("args", [])
bundle_paths = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--bundle"]
mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
vols = {v["name"]: v for v in pod.get("volumes", [])}
for cm in cms:
    cm_name = cm.get("metadata", {}).get("name")
    cm_vol = [n for n, v in vols.items() if v.get("configMap", {}).get("name") == cm_name]
    check(f"Deployment mounts ConfigMap {cm_name} where a --bundle points",
          len(cm_vol) == 1 and mounts.get(cm_vol[0]) in bundle_paths,
          f"(--bundle {bundle_paths}, mounts {mounts})")
check("Deployment serves exactly the bundle ConfigMaps", len(bundle_paths) == len(cms), str(bundle_paths))
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
dr = get("DestinationRule", "jrego").get("spec", {})
lb = dr.get("trafficPolicy", {}).get("loadBalancer", {})
check("DestinationRule: least request with a warm-up ramp on the jrego Service",
      dr.get("host") == fqdn and lb.get("simple") == "LEAST_REQUEST" and bool(lb.get("warmupDurationSecs")), str(dr))
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
check("spiffe: its DestinationRule replaces jrego.yaml's and keeps its load balancing",
      dr.get("metadata", {}).get("name") == "jrego"
      and dr.get("spec", {}).get("trafficPolicy", {}).get("loadBalancer") == lb, str(dr.get("spec")))
ef = get("EnvoyFilter", "llm-gateway-jrego-ext-proc")
efspec = ef.get("spec", {})
check("EnvoyFilter targets the AuthorizationPolicy's workloads and namespace",
      efspec.get("workloadSelector", {}).get("labels") == ap.get("spec", {}).get("selector", {}).get("matchLabels")
      and ef.get("metadata", {}).get("namespace") == ap.get("metadata", {}).get("namespace"))
patch = (efspec.get("configPatches") or [{}])[0]
check("EnvoyFilter inserts ext_proc before the router of the inbound HTTP chain",
      patch.get("applyTo") == "HTTP_FILTER"
      and patch.get("match", {}).get("context") == "SIDECAR_INBOUND"
      and patch.get("match", {}).get("listener", {}).get("filterChain", {}).get("filter", {}).get("subFilter", {}).get("name") == "envoy.filters.http.router"
      and patch.get("patch", {}).get("operation") == "INSERT_BEFORE"
      and patch.get("patch", {}).get("value", {}).get("name") == "envoy.filters.http.ext_proc")
tc = patch.get("patch", {}).get("value", {}).get("typed_config", {})
cluster = tc.get("grpc_service", {}).get("envoy_grpc", {}).get("cluster_name")
check("ext_proc calls the jrego Service's gRPC port",
      cluster == f"outbound|{ports.get('grpc', {}).get('port')}||{fqdn}", str(cluster))
check("ext_proc fails closed", tc.get("failure_mode_allow") is False)

import re
template = open(os.path.join(here, "..", "envoy-config", "envoy.yaml")).read()
shipped = yaml.safe_load(re.sub(r"\$\{(\w+)\}", r"\1", template))  # placeholders as plain words
chain = shipped["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]["http_filters"]
ours = next((f["typed_config"] for f in chain if f["name"] == "envoy.filters.http.ext_proc"), {})
same = {k: v for k, v in tc.items() if k != "grpc_service"} == {k: v for k, v in ours.items() if k != "grpc_service"}
check("ext_proc settings equal envoy-config/envoy.yaml's", bool(ours) and same)

if not envoy:
    check("envoy --mode validate accepts the EnvoyFilter's typed_config", False,
          "(envoy is not on PATH: bash .ci/install-envoy.sh)")
else:
    bootstrap = {
        "static_resources": {
            "listeners": [{
                "name": "inbound", "address": {"socket_address": {"address": "127.0.0.1", "port_value": 15006}},
                "filter_chains": [{"filters": [{
                    "name": "envoy.filters.network.http_connection_manager",
                    "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                        "stat_prefix": "inbound",
                        "route_config": {"virtual_hosts": [{"name": "app", "domains": ["*"], "routes": [
                            {"match": {"prefix": "/"}, "route": {"cluster": "app"}}]}]},
                        "http_filters": [patch["patch"]["value"], {
                            "name": "envoy.filters.http.router",
                            "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}]}}]}]}],
            "clusters": [
                {"name": cluster, "type": "STATIC", "load_assignment": {"cluster_name": cluster, "endpoints": [
                    {"lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 9191}}}}]}]},
                 "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                     "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                     "explicit_http_config": {"http2_protocol_options": {}}}}},
                {"name": "app", "type": "STATIC", "load_assignment": {"cluster_name": "app", "endpoints": [
                    {"lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 8080}}}}]}]}}]}}
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        yaml.safe_dump(bootstrap, f)
    try:
        r = subprocess.run([envoy, "--mode", "validate", "-c", f.name, "--base-id", str(os.getpid() % 60000 + 1000)],
                           capture_output=True, text=True, timeout=120)
        check("envoy --mode validate accepts the EnvoyFilter's typed_config", r.returncode == 0,
              (r.stdout + r.stderr)[-2000:])
    finally:
        os.unlink(f.name)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
