"""Builds builtin test fixtures from OPA's compliance cases: every call to one of the given
builtins with literal operands, and what real OPA returns for it (or its error)."""
import glob, json, subprocess, sys, os, tempfile

OPA = os.environ.get("OPA", "opa")
prefixes = sys.argv[2].split(",")
topics = sys.argv[3].split(",")
root = sys.argv[1]

def name_of(ref):
    parts = []
    for i, t in enumerate(ref):
        if i == 0 and t["type"] == "var": parts.append(t["value"])
        elif t["type"] == "string": parts.append(t["value"])
        else: return None
    return ".".join(parts)

def ground(t):
    ty = t["type"]
    if ty in ("null", "boolean", "number", "string"): return True
    if ty in ("array", "set"): return all(ground(x) for x in t["value"])
    if ty == "object": return all(ground(k) and ground(v) for k, v in t["value"])
    return False

def rego(t):
    ty, v = t["type"], t["value"]
    if ty == "null": return "null"
    if ty == "boolean": return "true" if v else "false"
    if ty == "number": return json.dumps(v)
    if ty == "string": return json.dumps(v)
    if ty == "array": return "[" + ", ".join(rego(x) for x in v) + "]"
    if ty == "set": return "{" + ", ".join(rego(x) for x in v) + "}" if v else "set()"
    if ty == "object": return "{" + ", ".join(rego(k) + ": " + rego(x) for k, x in v) + "}"

def tagged(t):
    ty, v = t["type"], t["value"]
    if ty in ("null", "boolean", "number", "string"): return v
    if ty == "array": return [tagged(x) for x in v]
    if ty == "set": return {"$set": [tagged(x) for x in v]}
    if ty == "object":
        if any(k["type"] != "string" for k, _ in v): raise ValueError("non-string key")
        return {k["value"]: tagged(x) for k, x in v}

def calls(node, out):
    if isinstance(node, dict):
        if node.get("type") == "call":
            fn = node["value"][0]
            if fn["type"] == "ref":
                n = name_of(fn["value"])
                if n and any(n.startswith(p) for p in prefixes):
                    out.append((n, node["value"][1:]))
        if "terms" in node and isinstance(node["terms"], list) and node["terms"] and node["terms"][0].get("type") == "ref":
            n = name_of(node["terms"][0]["value"])
            if n and any(n.startswith(p) for p in prefixes):
                out.append((n, node["terms"][1:]))
        for v in node.values(): calls(v, out)
    elif isinstance(node, list):
        for v in node: calls(v, out)

def opa_eval(query):
    r = subprocess.run([OPA, "eval", "--strict-builtin-errors", "-f", "json", query], capture_output=True, text=True)
    d = json.loads(r.stdout) if r.stdout.strip() else {}
    return d

caps = json.load(open(os.environ.get("CAPS", "/tmp/caps.json")))
arity = {b["name"]: len(b["decl"].get("args", [])) for b in caps["builtins"]}
fixtures, seen = [], set()
for topic in topics:
    for f in sorted(glob.glob(os.path.join(root, topic, "*.json"))):
        for case in json.load(open(f))["cases"]:
            for m in case.get("modules", []):
                with tempfile.NamedTemporaryFile("w", suffix=".rego", delete=False) as tf:
                    tf.write(m)
                r = subprocess.run([OPA, "parse", "--format", "json", tf.name], capture_output=True, text=True)
                os.unlink(tf.name)
                if r.returncode != 0: continue
                found = []
                calls(json.loads(r.stdout), found)
                for name, args in found:
                    args = args[: arity.get(name, len(args))]
                    if not all(ground(a) for a in args): continue
                    try:
                        targs = [tagged(a) for a in args]
                    except ValueError:
                        continue
                    # keep only the operands (drop an output var already filtered by ground())
                    q = name + "(" + ", ".join(rego(a) for a in args) + ")"
                    if q in seen: continue
                    seen.add(q)
                    d = opa_eval("r := " + q + "; t := type_name(r)")
                    fx = {"note": case["note"], "builtin": name, "args": targs}
                    if "errors" in d:
                        e = d["errors"][0]
                        fx["error"] = e.get("message", ""); fx["code"] = e.get("code", "")
                    elif d.get("result"):
                        b = d["result"][0]["bindings"]
                        fx["want"] = b["r"]; fx["wantType"] = b["t"]
                    else:
                        fx["undefined"] = True
                    fixtures.append(fx)
json.dump(fixtures, sys.stdout, indent=1)
