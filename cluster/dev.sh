#!/usr/bin/env bash
# The local stack: `dev.sh up` builds what is missing, starts a control plane,
# kumo and the local cloud (cmd/devstack) and the provider, applies the
# example Bucket, DBInstance and ReplicationGroup, shows them Ready, queries
# the database and PINGs the cache. `dev.sh down` stops everything it
# started, by PID.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state=$root/.dev
cd "$root"

say() { printf '\n==> %s\n' "$*"; }

retry() { # times command...: run command every 2 s until it succeeds
  local n=$1; shift
  for _ in $(seq "$n"); do "$@" 2>/dev/null && return 0; sleep 2; done
  "$@"
}

psql_app() {
  local url; url=$(kubectl get secret -n default app-db -o go-template='{{with .data.url}}{{. | base64decode}}{{end}}')
  [[ -n $url ]] && psql "$url" -Atc "select 'connected to ' || current_database() || ' as ' || current_user"
}

ping_cache() {
  local pw; pw=$(secret password)
  [[ -n $pw ]] && REDISCLI_AUTH=$pw redis-cli --tls --cacert "$state/app-cache-ca.crt" \
    -h "$(secret host)" -p "$(secret port)" --user default PING
}

# secret key: a key of the cache's connection Secret.
secret() { kubectl get secret -n default app-cache -o go-template="{{with index .data \"$1\"}}{{. | base64decode}}{{end}}"; }

alive() { [[ -f $state/$1.pid ]] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

stop() { # name: SIGTERM, wait up to 20 s, then SIGKILL
  alive "$1" || { rm -f "$state/$1.pid"; return 0; }
  local pid; pid=$(cat "$state/$1.pid")
  echo "stopping $1 (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$state/$1.pid"
}

down() {
  stop provider
  stop devstack
  echo "local stack stopped"
}

up() {
  if alive devstack; then
    echo "the local stack is already running; 'make dev-down' stops it" >&2
    exit 1
  fi
  mkdir -p "$state" bin

  say "building tools (first run compiles kube-apiserver, etcd and kumo from source: 10-15 minutes; later runs are instant)"
  cluster/deps.sh
  kube=$(cluster/tools.sh kube)
  cluster/tools.sh etcd >/dev/null
  cluster/tools.sh kumo >/dev/null
  kubectl() { "$kube/kubectl" --kubeconfig "$state/kubeconfig" "$@"; }

  say "building the provider and devstack"
  go build -o bin/provider ./cmd/provider
  go build -o bin/devstack ./cmd/devstack

  say "starting etcd, kube-apiserver, kube-controller-manager, kumo and the local cloud on 127.0.0.1"
  rm -f "$state/kubeconfig"
  bin/devstack --dir "$state" >"$state/devstack.log" 2>&1 &
  echo $! >"$state/devstack.pid"
  for _ in $(seq 600); do
    [[ -f $state/kubeconfig ]] && break
    alive devstack || { cat "$state/devstack.log"; echo "devstack exited" >&2; exit 1; }
    sleep 0.2
  done
  [[ -f $state/kubeconfig ]] || { echo "control plane did not come up in 120 s; see $state/devstack.log" >&2; down; exit 1; }
  # shellcheck source=/dev/null
  source "$state/env"

  say "configuring the provider for kumo: a credentials Secret and the default ClusterProviderConfig"
  kubectl apply -f - <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: crossplane-system
---
apiVersion: v1
kind: Secret
metadata:
  name: aws-creds
  namespace: crossplane-system
stringData:
  credentials: |
    [default]
    aws_access_key_id = local
    aws_secret_access_key = local-secret
---
apiVersion: aws.appinfra.io/v1alpha1
kind: ClusterProviderConfig
metadata:
  name: default
spec:
  credentials:
    source: Secret
    secretRef: {namespace: crossplane-system, name: aws-creds, key: credentials}
  region: us-east-1
  endpoint:
    url: ${KUMO_ENDPOINT}
    services:
      rds: ${LOCALCLOUD_ENDPOINT}
      elasticache: ${LOCALCLOUD_ENDPOINT}
    # The local cloud's cache nodes have certificates of its own CA:
    # connection Secrets carry it as ca.crt.
    resourceCABundle: |
$(sed 's/^/      /' "$LOCALCLOUD_CA")
  s3:
    usePathStyle: true
YAML

  say "starting the provider (log: .dev/provider.log, metrics: http://${PROVIDER_METRICS_ADDR}/metrics)"
  bin/provider --kubeconfig "$state/kubeconfig" --poll 30s \
    --metrics-bind-address "$PROVIDER_METRICS_ADDR" --health-probe-bind-address 0 \
    >"$state/provider.log" 2>&1 &
  echo $! >"$state/provider.pid"

  say "applying examples/s3/bucket.yaml"
  kubectl apply -f examples/s3/bucket.yaml
  if ! kubectl wait --for=condition=Ready --timeout=120s -n default bucket/appinfra-example-assets; then
    kubectl describe -n default bucket/appinfra-example-assets
    exit 1
  fi
  kubectl get -n default buckets.s3.aws.appinfra.io

  say "connection Secret default/example-assets-bucket"
  kubectl get secret -n default example-assets-bucket \
    -o go-template='{{range $k, $v := .data}}{{printf "  %-9s %s\n" $k ($v | base64decode)}}{{end}}'

  say "the bucket as kumo serves it (ListBuckets)"
  curl -fsS "$KUMO_ENDPOINT/" | grep -o '<Name>[^<]*</Name>' | sed 's/^/  /'

  say "applying examples/rds/dbinstance-postgres.yaml (a real PostgreSQL behind the local RDS; about a minute)"
  kubectl apply -f examples/rds/dbinstance-postgres.yaml
  if ! kubectl wait --for=condition=Ready --timeout=300s -n default dbinstance/app-db; then
    kubectl describe -n default dbinstance/app-db
    exit 1
  fi
  kubectl get -n default dbinstances.rds.aws.appinfra.io
  say "querying the database through its connection Secret's url"
  if command -v psql >/dev/null; then
    # An instance the local cloud kept from an earlier run is adopted and
    # gets a new password: the url appears once RDS has it.
    retry 30 psql_app
  else
    echo "  (psql is not installed; the url is in Secret default/app-db)"
  fi

  say "applying examples/elasticache/replicationgroup.yaml (a real Redis primary and replica behind the local ElastiCache, TLS and a token)"
  kubectl apply -f examples/elasticache/replicationgroup.yaml
  if ! kubectl wait --for=condition=Ready --timeout=300s -n default replicationgroup/app-cache; then
    kubectl describe -n default replicationgroup/app-cache
    exit 1
  fi
  kubectl get -n default replicationgroups.elasticache.aws.appinfra.io
  say "PING through the connection Secret (TLS verified with its ca.crt, AUTH with its token)"
  secret ca.crt >"$state/app-cache-ca.crt"
  if command -v redis-cli >/dev/null; then
    retry 30 ping_cache
  else
    echo "  (redis-cli is not installed; the url is in Secret default/app-cache)"
  fi

  cat <<MSG

The local stack is up. Try:
  export KUBECONFIG=$state/kubeconfig
  $kube/kubectl get buckets -A
  $kube/kubectl describe bucket -n default appinfra-example-assets
  psql "\$($kube/kubectl get secret -n default app-db -o go-template='{{.data.url | base64decode}}')"
  REDISCLI_AUTH=\$($kube/kubectl get secret -n default app-cache -o go-template='{{.data.password | base64decode}}') \\
    redis-cli --tls --cacert $state/app-cache-ca.crt --user default \\
    -h \$($kube/kubectl get secret -n default app-cache -o go-template='{{.data.host | base64decode}}') \\
    -p \$($kube/kubectl get secret -n default app-cache -o go-template='{{.data.port | base64decode}}')
Stop it with: make dev-down
MSG
}

case ${1:-} in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
