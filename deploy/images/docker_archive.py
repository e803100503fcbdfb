#!/usr/bin/env python3
"""Packs a root filesystem into a one-layer image in docker-archive format (what `docker save`
writes and Jib reads as a base image with tar://). Deterministic: sorted entries, fixed times.

    docker_archive.py ROOTFS OUT.tar REPO:TAG
"""
import hashlib
import io
import json
import os
import sys
import tarfile

root, out, tag = sys.argv[1], sys.argv[2], sys.argv[3]


def layer_bytes():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        paths = []
        for d, dirs, files in os.walk(root):
            dirs.sort()
            for n in sorted(dirs + files):
                paths.append(os.path.join(d, n))
        for p in sorted(paths):
            info = tar.gettarinfo(p, arcname=os.path.relpath(p, root))
            info.mtime = 0
            if info.isreg():
                with open(p, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
    return buf.getvalue()


layer = layer_bytes()
diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
config = {
    "architecture": "amd64",
    "os": "linux",
    "created": "1970-01-01T00:00:00Z",
    "config": {
        "Env": ["PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "JAVA_HOME=/opt/java", "LANG=C.UTF-8"],
        "User": "10001:10001",
        "WorkingDir": "/var/lib/lttricks",
    },
    "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "deploy/images/build-base-image.sh"}],
}
config_bytes = json.dumps(config, sort_keys=True).encode()
config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
manifest = [{"Config": config_name, "RepoTags": [tag], "Layers": ["layer.tar"]}]
with tarfile.open(out, "w") as tar:
    for name, data in (("layer.tar", layer), (config_name, config_bytes),
                       ("manifest.json", json.dumps(manifest).encode())):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(data))
print(f"{out}: {tag}, layer {len(layer) / 2**20:.0f} MiB, {diff_id[:19]}")
