#!/usr/bin/env python3
"""Writes load-tests/policies/data-lookup/data.json: 10,000 API keys mapped to 1,000 tenants.
Deterministic (fixed seed), so every run and every engine sees the same document."""
import json
import os
import random

rng = random.Random(42)
tenants = {
    f"tenant-{t:04d}": {"active": t % 10 != 0, "paths": rng.sample(["api", "v1", "admin", "orders", "users"], 2)}
    for t in range(1000)
}
keys = {f"key-{k:05d}": f"tenant-{rng.randrange(1000):04d}" for k in range(10000)}
keys["key-benchmark"] = "tenant-0001"
tenants["tenant-0001"] = {"active": True, "paths": ["v1", "api"]}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "policies", "data-lookup", "data.json")
with open(out, "w") as f:
    json.dump({"api_keys": keys, "tenants": tenants}, f, sort_keys=True)
print(f"wrote {out}: {len(keys)} keys, {len(tenants)} tenants")
