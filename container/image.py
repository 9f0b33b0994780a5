#!/usr/bin/env python3
"""Writes and reads jrego's container image without a container engine (standard library only).

    image.py write --root DIR --out IMAGE.tar --tag REF --created EPOCH [--label K=V]...
                   [--cmd ARG]... -- ENTRYPOINT...
    image.py unpack IMAGE.tar DIR       extracts the layers in order into DIR, prints the config

`write` cuts the staged root file system DIR into layers by path, least often changed first (the
base: C library and users; the Java runtime; the library jars; jrego's own jar and bundle; the AOT
cache), and writes one tar that is both an OCI image layout (index.json, oci-layout, blobs/: for
`podman load`, `skopeo copy oci-archive:...`, containerd) and a `docker load` archive
(manifest.json). Every entry is owned by root and keeps the mode and the modification time it has
in DIR: the AOT cache is only used when the jars' times and sizes are those it was made with, so
the builder sets them before the training run and the layers carry them unchanged. Layers are
gzip'd with no name or time in the header, so the same DIR gives the same digests.

`unpack` is the reverse for an image this script wrote (no whiteouts: each layer only adds files).
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import time

# (layer name, path prefixes inside the root); a path goes to the first layer with a matching
# prefix, the base takes the rest.
LAYERS = [
    ("aot-cache", ["opt/jrego/jrego-serve.aot"]),
    ("app", ["opt/jrego/jrego.jar", "opt/jrego/rego-policies"]),
    ("libs", ["opt/jrego/lib"]),
    ("runtime", ["opt/jrego/runtime"]),
    ("base", [""]),
]
ORDER = ["base", "runtime", "libs", "app", "aot-cache"]
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def layer_of(rel):
    for name, prefixes in LAYERS:
        for p in prefixes:
            if p == "" or rel == p or rel.startswith(p + "/"):
                return name
    raise AssertionError(rel)


def walk(root):
    """Every path under root (relative, sorted), directories before what they hold."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for n in dirnames + sorted(filenames):
            out.append(os.path.relpath(os.path.join(dirpath, n), root))
    return sorted(out)


def tar_layer(root, paths):
    """An uncompressed tar of paths (with their parent folders), deterministic."""
    wanted = set()
    for rel in paths:
        parts = rel.split("/")
        for i in range(1, len(parts)):
            wanted.add("/".join(parts[:i]))
        wanted.add(rel)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for rel in sorted(wanted):
            full = os.path.join(root, rel)
            info = tar.gettarinfo(full, arcname=rel)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.pax_headers = {}
            if info.isreg():
                with open(full, "rb") as f:
                    tar.addfile(info, f)
            elif info.isdir() or info.issym():
                tar.addfile(info)
            else:
                raise SystemExit(f"image.py: {rel}: only files, folders and links go in the image")
    return buf.getvalue()


def gzip_bytes(data):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", fileobj=buf, mode="wb", compresslevel=6, mtime=0) as g:
        g.write(data)
    return buf.getvalue()


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def write(args):
    by_layer = {name: [] for name in ORDER}
    for rel in walk(args.root):
        by_layer[layer_of(rel)].append(rel)
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(args.created))
    blobs, layers, diff_ids, history = {}, [], [], []
    for name in ORDER:
        raw = tar_layer(args.root, by_layer[name])
        gz = gzip_bytes(raw)
        blobs[sha(gz)] = gz
        diff_ids.append(sha(raw))
        layers.append({"mediaType": OCI_LAYER, "digest": sha(gz), "size": len(gz)})
        history.append({"created": created, "created_by": f"container/build-image.sh: {name}"})
    labels = dict(kv.split("=", 1) for kv in args.label)
    config = {
        "created": created,
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "User": args.user,
            "Entrypoint": args.entrypoint,
            "Cmd": args.cmd,
            "Env": [f"PATH={args.path}"],
            "WorkingDir": "/",
            "ExposedPorts": {f"{p}/tcp": {} for p in args.expose},
            "Labels": labels,
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }
    config_bytes = json.dumps(config, indent=2, sort_keys=True).encode()
    blobs[sha(config_bytes)] = config_bytes
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": sha(config_bytes), "size": len(config_bytes)},
        "layers": layers,
        "annotations": {"org.opencontainers.image.created": created},
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
    blobs[sha(manifest_bytes)] = manifest_bytes
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": OCI_MANIFEST, "digest": sha(manifest_bytes), "size": len(manifest_bytes),
            "platform": {"architecture": "amd64", "os": "linux"},
            "annotations": {"io.containerd.image.name": args.tag,
                            "org.opencontainers.image.ref.name": args.tag.rsplit(":", 1)[-1]},
        }],
    }
    docker = [{"Config": blob_path(sha(config_bytes)), "RepoTags": [args.tag],
               "Layers": [blob_path(layer["digest"]) for layer in layers]}]
    tmp = args.out + ".tmp"
    with tarfile.open(tmp, mode="w", format=tarfile.PAX_FORMAT) as out:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), args.created, 0o644
            out.addfile(info, io.BytesIO(data))
        add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add("index.json", json.dumps(index, indent=2).encode())
        add("manifest.json", json.dumps(docker, indent=2).encode())
        for digest in sorted(blobs):
            add(blob_path(digest), blobs[digest])
    os.replace(tmp, args.out)
    print(f"{args.out}: {args.tag}, manifest {sha(manifest_bytes)}")
    for name, layer in zip(ORDER, layers):
        print(f"  layer {name:<9} {layer['size'] / 2**20:6.1f} MiB gzip'd  {layer['digest']}")


def blob_path(digest):
    return "blobs/sha256/" + digest.split(":", 1)[1]


def unpack(args):
    with tarfile.open(args.image) as img:
        def read(name):
            return img.extractfile(name).read()

        def blob(desc):
            data = read(blob_path(desc["digest"]))
            if sha(data) != desc["digest"] or len(data) != desc["size"]:
                raise SystemExit(f"image.py: {args.image}: blob {desc['digest']} does not match its digest")
            return data

        index = json.loads(read("index.json"))
        manifest = json.loads(blob(index["manifests"][0]))
        config = json.loads(blob(manifest["config"]))
        if os.path.isdir(args.dir) and os.listdir(args.dir):
            raise SystemExit(f"image.py: {args.dir} is not empty")
        os.makedirs(args.dir, exist_ok=True)
        for desc, diff_id in zip(manifest["layers"], config["rootfs"]["diff_ids"]):
            raw = gzip.decompress(blob(desc))
            if sha(raw) != diff_id:
                raise SystemExit(f"image.py: layer {desc['digest']}: diff_id does not match")
            with tarfile.open(fileobj=io.BytesIO(raw)) as layer:
                for m in layer.getmembers():
                    if m.name.startswith("/") or ".." in m.name.split("/") or os.path.basename(m.name).startswith(".wh."):
                        raise SystemExit(f"image.py: layer {desc['digest']}: unexpected entry {m.name}")
                if hasattr(tarfile, "tar_filter"):  # Python 3.12 and the 3.8-3.11 security releases
                    layer.extractall(args.dir, numeric_owner=True, filter="tar")
                else:
                    layer.extractall(args.dir, numeric_owner=True)
    print(json.dumps(config, indent=2))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("--root", required=True)
    w.add_argument("--out", required=True)
    w.add_argument("--tag", required=True)
    w.add_argument("--created", type=int, required=True, help="seconds since the epoch")
    w.add_argument("--user", default="65532:65532")
    w.add_argument("--path", default="/opt/jrego/runtime/bin")
    w.add_argument("--expose", action="append", default=[])
    w.add_argument("--label", action="append", default=[])
    w.add_argument("--cmd", action="append", default=[])
    w.add_argument("entrypoint", nargs="+")
    u = sub.add_parser("unpack")
    u.add_argument("image")
    u.add_argument("dir")
    args = ap.parse_args()
    write(args) if args.command == "write" else unpack(args)


if __name__ == "__main__":
    sys.exit(main())
