#!/usr/bin/env bash
# Builds the two Crossplane packages offline and reproducibly into
# _output/packages (or $1):
#
#   provider-appinfra-<version>.xpkg           the Provider: package/crossplane.yaml,
#                                              the CRDs, the examples of managed resources
#                                              and the runtime image (the static binary)
#   configuration-appinfra-platform-<version>.xpkg
#                                              the Configuration: crossplane.yaml and the
#                                              XRDs and Compositions of apis/platform
#
# The version is the VERSION file's, stamped into the binary (--version) and
# into both packages' metadata. Building twice from one commit gives the
# same package digests (the tests check it).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/_output/packages}")
version=$(tr -d '[:space:]' <"$root/VERSION")
arch=${GOARCH:-$(go env GOARCH)}
xp=$("$root/cluster/tools.sh" crossplane)/crossplane
cd "$root"

work=$out/work
rm -rf "$work"
mkdir -p "$work/provider" "$work/provider-examples" "$work/configuration"

# stamp FILE: the version in the package metadata.
stamp() { sed -i "s|^  annotations:$|  annotations:\n    meta.crossplane.io/version: \"$version\"|" "$1"; }

echo "package: provider binary $version (linux/$arch, static)" >&2
CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -buildvcs=false \
  -ldflags "-s -w -X main.version=$version" -o "$work/provider-bin" ./cmd/provider

echo "package: runtime image" >&2
(cd cluster/tools/image && go run . --binary "$work/provider-bin" --arch "$arch" \
  --ref "xpkg.crossplane.io/appinfra/provider-appinfra:$version" --out "$work/provider-image.tar")

echo "package: provider package" >&2
cp package/crossplane.yaml "$work/provider/"
stamp "$work/provider/crossplane.yaml"
cp package/crds/*.yaml "$work/provider/"
for d in aws gcp s3 gcs rds elasticache; do
  mkdir -p "$work/provider-examples/$d"
  cp examples/$d/*.yaml "$work/provider-examples/$d/"
done
"$xp" xpkg build --package-root="$work/provider" --examples-root="$work/provider-examples" \
  --embed-runtime-image-tarball="$work/provider-image.tar" \
  --package-file="$out/provider-appinfra-$version.xpkg" >&2

echo "package: configuration package" >&2
cp crossplane.yaml "$work/configuration/"
stamp "$work/configuration/crossplane.yaml"
# The provider this configuration was built with, at least.
sed -i "s|^\(    - provider: xpkg.crossplane.io/appinfra/provider-appinfra\)$|\1|; /provider-appinfra$/{n;s|version: .*|version: \">=$version\"|}" "$work/configuration/crossplane.yaml"
(cd apis/platform && find . -name '*.yaml' -exec cp --parents {} "$work/configuration/" \;)
mkdir -p "$work/configuration-examples"
cp examples/platform/*.yaml "$work/configuration-examples/"
"$xp" xpkg build --package-root="$work/configuration" --examples-root="$work/configuration-examples" \
  --package-file="$out/configuration-appinfra-platform-$version.xpkg" >&2

rm -rf "$work"
ls "$out"/*.xpkg
