import glob, json, subprocess, os, tempfile, sys
OPA = "/root/go/bin/opa"
root = sys.argv[1]
out, seen = [], set()
def strings(v, acc):
    if isinstance(v, str) and (len(v) > 60 or v in ("YmFkc3RyaW5n", "foobar", "invalid", "nope", "")): acc.append(v)
    elif isinstance(v, dict): [strings(x, acc) for x in v.values()]
    elif isinstance(v, list): [strings(x, acc) for x in v]
topics = {"cryptox509parsecertificates": ["crypto.x509.parse_certificates", "crypto.x509.parse_and_verify_certificates"],
          "cryptox509parseandverifycertificates": ["crypto.x509.parse_and_verify_certificates", "crypto.x509.parse_certificates"],
          "cryptox509parsecertificaterequest": ["crypto.x509.parse_certificate_request"],
          "cryptox509parsersaprivatekey": ["crypto.x509.parse_rsa_private_key", "crypto.parse_private_keys"],
          "cryptoparsersaprivatekeys": ["crypto.parse_private_keys"]}
for topic, fns in topics.items():
    for f in sorted(glob.glob(os.path.join(root, topic, "*.json"))):
        for case in json.load(open(f))["cases"]:
            acc = []
            strings(case.get("input", {}), acc)
            for m in case["modules"]:
                with tempfile.NamedTemporaryFile("w", suffix=".rego", delete=False) as tf: tf.write(m)
                r = subprocess.run([OPA, "eval", "-f", "json", "-d", tf.name, "data"], capture_output=True, text=True)
                os.unlink(tf.name)
                try: strings(json.loads(r.stdout)["result"][0]["expressions"][0]["value"], acc)
                except Exception: pass
            for s in acc:
                for fn in fns:
                    if (fn, s) in seen: continue
                    seen.add((fn, s))
                    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as tf: json.dump({"s": s}, tf)
                    r = subprocess.run([OPA, "eval", "--strict-builtin-errors", "-f", "json", "-i", tf.name, "r := %s(input.s); t := type_name(r)" % fn], capture_output=True, text=True)
                    os.unlink(tf.name)
                    d = json.loads(r.stdout)
                    fx = {"note": case["note"], "builtin": fn, "args": [s]}
                    if "errors" in d: fx["error"] = d["errors"][0]["message"]; fx["code"] = d["errors"][0]["code"]
                    elif d.get("result"): fx["want"] = d["result"][0]["bindings"]["r"]; fx["wantType"] = d["result"][0]["bindings"]["t"]
                    else: fx["undefined"] = True
                    out.append(fx)
json.dump(out, sys.stdout, indent=1)
