#!/usr/bin/env bash
# Builds the Crossplane packages offline and reproducibly into
# _output/packages (or $1):
#
#   provider-appinfra-<cloud>-<version>.xpkg   a Provider of the family, one per cloud
#                                              (aws: S3, RDS, ElastiCache; gcp: Cloud
#                                              Storage): package/<cloud>/crossplane.yaml,
#                                              its cloud's CRDs, their examples and the
#                                              runtime image (cmd/provider-<cloud>, static)
#   configuration-appinfra-platform-<version>.xpkg
#                                              the Configuration: crossplane.yaml and the
#                                              XRDs and Compositions of apis/platform; it
#                                              depends on both Providers
#
# The version is the VERSION file's, stamped into the binaries (--version)
# and into every package's metadata. Building twice from one commit gives
# the same package digests (the tests check it).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/_output/packages}")
version=$(tr -d '[:space:]' <"$root/VERSION")
arch=${GOARCH:-$(go env GOARCH)}
xp=$("$root/cluster/tools.sh" crossplane)/crossplane
cd "$root"

work=$out/work
rm -rf "$work"
mkdir -p "$work/configuration"
rm -f "$out"/provider-appinfra-*.xpkg "$out"/configuration-appinfra-platform-*.xpkg

# stamp FILE: the version in the package metadata.
stamp() { sed -i "s|^  annotations:$|  annotations:\n    meta.crossplane.io/version: \"$version\"|" "$1"; }

# Each CRD goes into the package of the cloud whose group it belongs to
# (*.aws.appinfra.io, *.gcp.appinfra.io); one that matches neither would be
# in no package.
for crd in package/crds/*.yaml; do
  case $(basename "$crd") in
  aws.appinfra.io_* | *.aws.appinfra.io_* | gcp.appinfra.io_* | *.gcp.appinfra.io_*) ;;
  *) echo "package: $crd belongs to no provider of the family (its group ends in neither aws.appinfra.io nor gcp.appinfra.io)" >&2; exit 1 ;;
  esac
done

declare -A examples=([aws]="aws s3 rds elasticache" [gcp]="gcp gcs")
for cloud in aws gcp; do
  name=provider-appinfra-$cloud
  echo "package: $name binary $version (linux/$arch, static)" >&2
  CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -buildvcs=false \
    -ldflags "-s -w -X main.version=$version" -o "$work/$cloud-bin" ./cmd/provider-$cloud

  echo "package: $name runtime image" >&2
  (cd cluster/tools/image && go run . --binary "$work/$cloud-bin" --arch "$arch" \
    --ref "xpkg.crossplane.io/appinfra/$name:$version" --out "$work/$cloud-image.tar")

  echo "package: $name package" >&2
  mkdir -p "$work/$cloud" "$work/$cloud-examples"
  cp "package/$cloud/crossplane.yaml" "$work/$cloud/"
  stamp "$work/$cloud/crossplane.yaml"
  cp package/crds/$cloud.appinfra.io_*.yaml package/crds/*.$cloud.appinfra.io_*.yaml "$work/$cloud/"
  for d in ${examples[$cloud]}; do
    mkdir -p "$work/$cloud-examples/$d"
    cp examples/$d/*.yaml "$work/$cloud-examples/$d/"
  done
  "$xp" xpkg build --package-root="$work/$cloud" --examples-root="$work/$cloud-examples" \
    --embed-runtime-image-tarball="$work/$cloud-image.tar" \
    --package-file="$out/$name-$version.xpkg" >&2
done

echo "package: configuration package" >&2
cp crossplane.yaml "$work/configuration/"
stamp "$work/configuration/crossplane.yaml"
# The providers this configuration was built with, at least.
sed -i "/provider: xpkg.crossplane.io\/appinfra\/provider-appinfra-\(aws\|gcp\)$/{n;s|version: .*|version: \">=$version\"|}" "$work/configuration/crossplane.yaml"
(cd apis/platform && find . -name '*.yaml' -exec cp --parents {} "$work/configuration/" \;)
mkdir -p "$work/configuration-examples"
cp examples/platform/*.yaml "$work/configuration-examples/"
"$xp" xpkg build --package-root="$work/configuration" --examples-root="$work/configuration-examples" \
  --package-file="$out/configuration-appinfra-platform-$version.xpkg" >&2

rm -rf "$work"
ls "$out"/*.xpkg
