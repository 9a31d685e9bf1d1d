#!/usr/bin/env bash
# Builds the project's tools from pinned versions into a user-level cache and
# prints the directory holding the binaries. A second call is instant.
#
#   cluster/tools.sh kube|kubectl|etcd|kumo|fake-gcs|gen|crossplane|functions
#     -> prints the bin directory
#
# Each tool lives in its own nested module under cluster/tools/<name>, so its
# dependencies never leak into the project's go.mod. The cache key is the
# tool's version plus a hash of its go.mod/go.sum, so a bump rebuilds.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/provider-appinfra/tools

KUBE_VERSION=v1.35.4
ETCD_VERSION=v3.6.16
KUMO_VERSION=v0.33.1
FAKE_GCS_VERSION=v1.56.1
CROSSPLANE_VERSION=v2.4.0     # core
CROSSPLANE_CLI_VERSION=v2.5.0 # the crossplane CLI
# The functions' versions are their module's requirements, which a test
# holds to crossplane.yaml's dependencies (the one place to change them).
fn_version() { awk -v m="github.com/crossplane-contrib/$1" '$1 == m {print $2}' "$root/cluster/tools/functions/go.mod"; }
FUNCTION_PAT_VERSION=$(fn_version function-patch-and-transform)
FUNCTION_GOTPL_VERSION=$(fn_version function-go-templating)

log() { echo "tools: $*" >&2; }

key() { # name version module-dir -> cache dir
  local sum
  sum=$(cat "$3"/go.mod "$3"/go.sum 2>/dev/null | sha256sum | cut -c1-12)
  echo "$cache/$1-$2-$sum"
}

# build NAME VERSION MODDIR -- go build args...; skips when already built.
build() {
  local name=$1 version=$2 dir=$3; shift 4
  local out; out=$(key "$name" "$version" "$dir")
  if [[ -f $out/.done ]]; then echo "$out/bin"; return; fi
  # One build of a tool at a time: .ci/run builds some in the background
  # while a test may ask for the same one; the second waits, then finds it.
  mkdir -p "$cache"
  local lock; exec {lock}>"$out.lock"
  flock "$lock"
  if [[ -f $out/.done ]]; then echo "$out/bin"; return; fi
  # The compiler's output (a line per module downloaded) goes to a log;
  # the screen gets a line before and after.
  log "building $name $version (first time only; this can take minutes; log: $out.log)"
  local start=$SECONDS
  mkdir -p "$out/bin"
  if ! (cd "$dir" && "$@") >"$out.log" 2>&1; then
    log "building $name failed; the end of $out.log:"
    tail -n 20 "$out.log" >&2
    exit 1
  fi
  touch "$out/.done"
  exec {lock}>&-
  log "built $name in $((SECONDS - start))s"
  echo "$out/bin"
}

kube_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${KUBE_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2)"

case ${1:-} in
kube)
  dir=$root/cluster/tools/kube; out=$(key kube "$KUBE_VERSION" "$dir")/bin
  build kube "$KUBE_VERSION" "$dir" -- bash -c "
    set -e
    for c in kube-apiserver kube-controller-manager; do
      echo \"tools: go build \$c\" >&2
      CGO_ENABLED=0 go build -trimpath -ldflags '$kube_ldflags' -o '$out'/\$c k8s.io/kubernetes/cmd/\$c
    done" ;;
kubectl)
  # Its own key in the same module: the tests do not need it (make dev
  # does), and it shares the compiled packages of kube's build.
  dir=$root/cluster/tools/kube; out=$(key kubectl "$KUBE_VERSION" "$dir")/bin
  build kubectl "$KUBE_VERSION" "$dir" -- env CGO_ENABLED=0 go build -trimpath -ldflags "$kube_ldflags" -o "$out/kubectl" k8s.io/kubernetes/cmd/kubectl ;;
etcd)
  dir=$root/cluster/tools/etcd; out=$(key etcd "$ETCD_VERSION" "$dir")/bin
  build etcd "$ETCD_VERSION" "$dir" -- env CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3 ;;
kumo)
  # kumo's own go.sum must be used (the checksum database lacks two of its
  # dependencies), so it is built inside its downloaded module directory.
  dir=$root/cluster; out=$(key kumo "$KUMO_VERSION" "$dir")/bin
  build kumo "$KUMO_VERSION" "$dir" -- bash -c "
    set -e
    src=\$(GOFLAGS=-mod=mod go mod download -json github.com/sivchari/kumo@${KUMO_VERSION} | sed -n 's/.*\"Dir\": \"\\(.*\\)\",/\\1/p')
    cd \"\$src\" && GOFLAGS=-mod=mod GONOSUMDB=* CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o '$out/kumo' ./cmd/kumo" ;;
fake-gcs)
  dir=$root/cluster/tools/fake-gcs; out=$(key fake-gcs "$FAKE_GCS_VERSION" "$dir")/bin
  build fake-gcs "$FAKE_GCS_VERSION" "$dir" -- env CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/fake-gcs-server" github.com/fsouza/fake-gcs-server ;;
gen)
  dir=$root/cluster/tools/gen; out=$(key gen v1 "$dir")/bin
  build gen v1 "$dir" -- bash -c "
    set -e
    go build -o '$out/controller-gen' sigs.k8s.io/controller-tools/cmd/controller-gen
    go build -o '$out/angryjet' github.com/crossplane/crossplane-tools/cmd/angryjet" ;;
crossplane)
  # The CLI, core and crane share one module (and so one build of their
  # common dependencies). Both are stamped with their versions: without it core
  # fails every package's crossplane version constraint.
  dir=$root/cluster/tools/crossplane; out=$(key crossplane "$CROSSPLANE_VERSION-$CROSSPLANE_CLI_VERSION" "$dir")/bin
  stamp=github.com/crossplane/crossplane-runtime/v2/pkg/version.version
  build crossplane "$CROSSPLANE_VERSION-$CROSSPLANE_CLI_VERSION" "$dir" -- bash -c "
    set -e
    echo 'tools: go build crossplane (CLI)' >&2
    CGO_ENABLED=0 go build -trimpath -ldflags '-s -w -X $stamp=$CROSSPLANE_CLI_VERSION' -o '$out/crossplane' github.com/crossplane/cli/v2/cmd/crossplane
    echo 'tools: go build crossplane-core' >&2
    CGO_ENABLED=0 go build -trimpath -ldflags '-s -w -X $stamp=$CROSSPLANE_VERSION' -o '$out/crossplane-core' github.com/crossplane/crossplane/v2/cmd/crossplane
    echo 'tools: go build crane (the local package registry)' >&2
    CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o '$out/crane' github.com/google/go-containerregistry/cmd/crane" ;;
functions)
  dir=$root/cluster/tools/functions; out=$(key functions "$FUNCTION_PAT_VERSION-$FUNCTION_GOTPL_VERSION" "$dir")/bin
  build functions "$FUNCTION_PAT_VERSION-$FUNCTION_GOTPL_VERSION" "$dir" -- bash -c "
    set -e
    for f in function-patch-and-transform function-go-templating; do
      echo \"tools: go build \$f\" >&2
      CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o '$out'/\$f github.com/crossplane-contrib/\$f
    done" ;;
*)
  echo "usage: $0 kube|kubectl|etcd|kumo|fake-gcs|gen|crossplane|functions" >&2; exit 2 ;;
esac
