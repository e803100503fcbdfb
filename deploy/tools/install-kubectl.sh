#!/usr/bin/env bash
# Installs a kubectl recent enough for the manifests (kustomize v5: `components`, `labels`),
# from Debian's own archive: bookworm's kubernetes-client is 1.20 (kustomize v2) and cannot
# render deploy/, so this takes the kubectl package of the next release (trixie), a static Go
# binary that runs on bookworm. The chain is checked end to end: the release file's signature
# against the machine's Debian archive keyring, the package index against the release file, the
# package against the index.
#
#   deploy/tools/install-kubectl.sh [BIN_DIR]      default BIN_DIR: /usr/local/bin
#
# Needs curl, xz, gpgv, dpkg-deb and sha256sum (all in a Debian base system).
set -euo pipefail
bin="${1:-/usr/local/bin}"
suite="${KUBECTL_SUITE:-trixie}"
mirror="$("$(dirname "$(readlink -f "$0")")/apt-mirror.sh")"   # apt's configured archive (DEBIAN_MIRROR overrides)
keyring="${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "install-kubectl: $*" >&2; exit 1; }

curl -fsS --max-time 120 -o "$work/InRelease" "$mirror/dists/$suite/InRelease" || fail "cannot fetch $mirror/dists/$suite/InRelease"
gpgv --keyring "$keyring" --output "$work/Release" "$work/InRelease" 2>"$work/gpgv.log" \
  || { cat "$work/gpgv.log" >&2; fail "the $suite release file's signature does not verify against $keyring"; }

index=main/binary-amd64/Packages.xz
want=$(awk -v f="$index" '/^SHA256:/{s=1;next} /^[^ ]/{s=0} s&&$3==f{print $1}' "$work/Release")
[ -n "$want" ] || fail "$index is not listed in the $suite release file"
curl -fsS --max-time 300 -o "$work/Packages.xz" "$mirror/dists/$suite/$index" || fail "cannot fetch $index"
echo "$want  $work/Packages.xz" | sha256sum -c --quiet - || fail "$index does not match its checksum"

read -r file sum < <(xz -dc "$work/Packages.xz" | awk '
  /^Package: /{p=($2=="kubectl")} p&&/^Filename: /{f=$2} p&&/^SHA256: /{s=$2}
  /^$/{if(p&&f!=""){print f, s; exit} p=0}')
[ -n "${file:-}" ] || fail "no kubectl package in $suite"
curl -fsS --max-time 300 -o "$work/kubectl.deb" "$mirror/$file" || fail "cannot fetch $file"
echo "$sum  $work/kubectl.deb" | sha256sum -c --quiet - || fail "$file does not match its checksum"

dpkg-deb -x "$work/kubectl.deb" "$work/root"
found=$(find "$work/root" -type f -name kubectl -perm -u+x -print -quit)
[ -n "$found" ] || fail "$file holds no kubectl binary"
mkdir -p "$bin"
install -m 0755 "$found" "$bin/kubectl"
"$bin/kubectl" version --client
