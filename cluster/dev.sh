#!/usr/bin/env bash
# The local stack: `dev.sh up` builds what is missing, starts the control
# plane, the emulators, the local cloud, a package registry, Crossplane core
# and the functions (cmd/devstack) and the provider, installs the platform
# APIs, applies the example AppEnvironment claim, shows its tree and uses
# its Secret: a query, a PING, an object put and get. `dev.sh down` stops
# everything it started, by PID.
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

# env_key KEY: a key of the AppEnvironment's Secret default/shop-env.
env_key() { kubectl get secret -n default shop-env -o go-template="{{with index .data \"$1\"}}{{. | base64decode}}{{end}}"; }

psql_app() {
  local url; url=$(env_key DATABASE_URL)
  [[ -n $url ]] && psql "$url" -Atc "select '  connected to ' || current_database() || ' as ' || current_user"
}

ping_cache() {
  local pw; pw=$(env_key REDIS_PASSWORD)
  [[ -n $pw ]] && REDISCLI_AUTH=$pw redis-cli --tls --cacert "$state/shop-redis-ca.crt" \
    -h "$(env_key REDIS_HOST)" -p "$(env_key REDIS_PORT)" --user default PING | sed 's/^/  /'
}

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
  # The local cloud's engines run as their own users and must be able to
  # enter the directories of their data.
  chmod 755 "$state"

  say "building tools (the first run compiles kube-apiserver, etcd, kumo, fake-gcs-server, Crossplane core and CLI and the functions from source: about 30 minutes on 2 cores; later runs are instant)"
  cluster/deps.sh
  kube=$(cluster/tools.sh kubectl)
  for t in etcd kumo fake-gcs crossplane functions; do cluster/tools.sh $t >/dev/null; done
  xp=$(cluster/tools.sh crossplane)/crossplane
  kubectl() { "$kube/kubectl" --kubeconfig "$state/kubeconfig" "$@"; }

  say "building the provider and devstack"
  go build -o bin/provider ./cmd/provider
  go build -o bin/devstack ./cmd/devstack

  say "starting the control plane, kumo, fake-gcs-server, the local cloud, a package registry, Crossplane core and its functions on 127.0.0.1"
  rm -f "$state/kubeconfig"
  # Output goes to files, never to our stdout: a background process holding
  # it would keep `make dev | tee` from ever ending.
  bin/devstack --dir "$state" >"$state/devstack.log" 2>&1 &
  echo $! >"$state/devstack.pid"
  local shown=0 lines
  for _ in $(seq 900); do
    # Progress: the lines devstack printed since the last look.
    lines=$(wc -l <"$state/devstack.log")
    if ((lines > shown)); then
      sed -n "$((shown + 1)),${lines}p" "$state/devstack.log" | sed 's/^/  /'
      shown=$lines
    fi
    [[ -f $state/kubeconfig ]] && break
    alive devstack || { cat "$state/devstack.log"; echo "devstack exited; see $state/processes.log" >&2; exit 1; }
    sleep 0.2
  done
  [[ -f $state/kubeconfig ]] || { echo "the stack did not come up in 180 s; see $state/processes.log" >&2; down; exit 1; }
  # shellcheck source=/dev/null
  source "$state/env"
  kubectl get functions.pkg.crossplane.io

  say "starting the provider (log: .dev/provider.log, metrics: http://${PROVIDER_METRICS_ADDR}/metrics)"
  bin/provider --kubeconfig "$state/kubeconfig" --poll 30s \
    --metrics-bind-address "$PROVIDER_METRICS_ADDR" --health-probe-bind-address 0 \
    >"$state/provider.log" 2>&1 &
  echo $! >"$state/provider.pid"

  say "installing the platform APIs (apis/platform: XRDs and Compositions)"
  kubectl apply -R -f apis/platform 2>&1 | grep -v '^Warning: CompositeResourceDefinition v1 is deprecated' | sed 's/^/  /' | tail -3
  kubectl wait --for=condition=Established --timeout=120s compositeresourcedefinitions.apiextensions.crossplane.io --all >/dev/null
  kubectl get compositeresourcedefinitions.apiextensions.crossplane.io 2>/dev/null

  say "applying examples/platform/appenvironment.yaml: a bucket, a PostgreSQL database and a Redis cache with one Secret, shop-env (about a minute)"
  kubectl apply -f examples/platform/appenvironment.yaml
  if ! kubectl wait --for=condition=Ready --timeout=300s -n default appenvironment.platform.appinfra.io/shop; then
    KUBECONFIG=$state/kubeconfig "$xp" resource trace -n default appenvironment.platform.appinfra.io shop -o wide || true
    exit 1
  fi

  say "the claim's tree: claim -> composite -> managed resources"
  KUBECONFIG=$state/kubeconfig "$xp" resource trace -n default appenvironment.platform.appinfra.io shop 2>/dev/null
  say "-> the cloud resources they manage (EXTERNAL-NAME is the name in the cloud, STATUS what the cloud reports)"
  kubectl get managed -n default

  say "Secret default/shop-env (what the application loads with envFrom)"
  kubectl get secret -n default shop-env \
    -o go-template='{{range $k, $v := .data}}{{printf "  %s\n" $k}}{{end}}'

  say "using it: a query, a PING and an object put and get"
  if command -v psql >/dev/null; then
    retry 30 psql_app
  else
    echo "  (psql is not installed; DATABASE_URL is in Secret default/shop-env)"
  fi
  env_key REDIS_CA_CERT >"$state/shop-redis-ca.crt"
  if command -v redis-cli >/dev/null; then
    retry 30 ping_cache
  else
    echo "  (redis-cli is not installed; REDIS_URL is in Secret default/shop-env)"
  fi
  local bucket; bucket=$(env_key BUCKET_NAME)
  echo "hello from make dev" | curl -fsS -X PUT --data-binary @- "$KUMO_ENDPOINT/$bucket/hello.txt" >/dev/null
  echo "  s3://$bucket/hello.txt: $(curl -fsS "$KUMO_ENDPOINT/$bucket/hello.txt")"

  cat <<MSG

The local stack is up. Try:
  export KUBECONFIG=$state/kubeconfig PATH=$kube:\$PATH
  kubectl get appinfra -A                         # the claims (and v2 XRs)
  $xp resource trace -n default appenvironment.platform.appinfra.io shop
  eval "\$(kubectl get secret -n default shop-env -o go-template='{{range \$k, \$v := .data}}{{if ne \$k "REDIS_CA_CERT"}}export {{\$k}}='"'"'{{\$v | base64decode}}'"'"'{{"\\n"}}{{end}}{{end}}')"
  kubectl get secret -n default shop-env -o go-template='{{index .data "REDIS_CA_CERT" | base64decode}}' > /tmp/redis-ca.crt
  psql "\$DATABASE_URL"
  REDISCLI_AUTH=\$REDIS_PASSWORD redis-cli --tls --cacert /tmp/redis-ca.crt --user default -h \$REDIS_HOST -p \$REDIS_PORT PING
  curl \$AWS_ENDPOINT_URL_S3/\$BUCKET_NAME/hello.txt
  kubectl apply -f examples/platform/objectstore-gcp.yaml   # more claims in examples/platform
Stop it with: make dev-down
MSG
}

case ${1:-} in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
