#!/usr/bin/env bash
# Builds the services' base image without a Docker engine: a minimal Debian (bookworm) root
# filesystem from Debian's packages (debootstrap), a Java 17 runtime cut down with jlink to the
# modules the services use, and a non-root user (10001). The result is a docker-archive tarball
# that Jib builds the service images on (mvn -Pimages package).
#
#   deploy/images/build-base-image.sh [OUT_TAR]     (needs root, debootstrap, a JDK 17, python3)
#   deploy/images/build-base-image.sh --libtorch libtorch-cxx11-abi-shared-with-deps-2.7.1+cu128.zip
#
# Default output: deploy/images/target/lttricks-jre-base.tar. Takes about a minute.
# With --libtorch, the base of the GPU trainer instead (target/lttricks-jre-cu128-base.tar): the
# same system plus libtorch 2.7.1 for CUDA 12.8 in /opt/libtorch (its lib/ folder only; the CUDA
# runtime libraries come inside it, the driver from the node through the NVIDIA container
# runtime). Get the zip on a machine with internet access from download.pytorch.org
# (libtorch/cu128, cxx11 ABI, shared with deps); then mvn -Pgpu-image -pl trainer-service package.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
libtorch=""
if [ "${1:-}" = "--libtorch" ]; then
  libtorch="$(readlink -f "${2:?--libtorch needs the libtorch zip}")"
  [ -f "$libtorch" ] || { echo "no such file: $2" >&2; exit 2; }
  shift 2
  out="${1:-$here/target/lttricks-jre-cu128-base.tar}"
  tag="lttricks/jre-cu128-base:17"
else
  out="${1:-$here/target/lttricks-jre-base.tar}"
  tag="lttricks/jre-base:17"
fi
mirror="$("$(dirname "$(readlink -f "$0")")/../tools/apt-mirror.sh")"   # apt's configured archive (DEBIAN_MIRROR overrides)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"

command -v debootstrap >/dev/null || { echo "needs debootstrap (apt-get install debootstrap)" >&2; exit 2; }
jdk="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
[ -x "$jdk/bin/jlink" ] || { echo "needs a JDK 17 with jlink (JAVA_HOME)" >&2; exit 2; }

# Libraries the JDK's native code links against on Debian (libawt, libjavajpeg, libfontmanager...),
# fonts for the report plots, libgomp for libtorch, CA certificates for TLS to storage.
libs=libgomp1,ca-certificates,zlib1g,libjpeg62-turbo,libpng16-16,libgif7,liblcms2-2,libfreetype6,libfontconfig1,libharfbuzz0b,fonts-dejavu-core
echo "debootstrap bookworm (minbase) into $root ..."
debootstrap --variant=minbase --include="$libs" bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }

# Package manager, caches and documentation are of no use at run time.
rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
       "$root"/usr/share/info/* "$root"/var/log/* "$root"/usr/share/locale/*

echo "jlink a Java runtime into /opt/java ..."
"$jdk/bin/jlink" --output "$root/opt/java" --strip-debug --no-man-pages --no-header-files --compress=2 \
  --add-modules java.base,java.desktop,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.crypto.ec,jdk.unsupported,jdk.management,jdk.zipfs

echo "lttricks:x:10001:10001:lttricks:/var/lib/lttricks:/usr/sbin/nologin" >> "$root/etc/passwd"
echo "lttricks:x:10001:" >> "$root/etc/group"
mkdir -p "$root/var/lib/lttricks" && chown 10001:10001 "$root/var/lib/lttricks"

if [ -n "$libtorch" ]; then
  echo "unpack libtorch (lib/ only) into /opt/libtorch ..."
  python3 - "$libtorch" "$work/libtorch" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    libs = [n for n in z.namelist() if n.startswith("libtorch/lib/") and not n.endswith("/")]
    if not any(n.endswith("libtorch_cuda.so") for n in libs):
        sys.exit(f"{sys.argv[1]} has no libtorch/lib/libtorch_cuda.so: not a CUDA build of libtorch")
    for n in libs:
        z.extract(n, sys.argv[2])
PY
  mkdir -p "$root/opt/libtorch"
  mv "$work/libtorch/libtorch/lib" "$root/opt/libtorch/lib"
  chmod -R a+rX "$root/opt/libtorch"
fi

mkdir -p "$(dirname "$out")"
python3 "$here/docker_archive.py" "$root" "$out" "$tag"
ls -l "$out"
