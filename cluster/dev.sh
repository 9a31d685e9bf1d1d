#!/usr/bin/env bash
# The local stack: `dev.sh up` builds what is missing, starts the control
# plane, the emulators, the local cloud, a package registry, Crossplane core
# and the functions (cmd/devstack) and the provider family (bin/provider-aws
# and bin/provider-gcp, each its own process, log and metrics address),
# installs the platform APIs, applies the example AppEnvironment claim,
# shows its tree and uses its Secret: a query, a PING, an object put and
# get. `dev.sh down` stops everything it started, by PID.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# DEV_DIR: where the stack keeps its state and logs (the tests use their own).
state=${DEV_DIR:-$root/.dev}
# DEV_START_TIMEOUT: seconds the stack may take to start once everything it
# runs is built (builds are not timed: on a new machine they take minutes).
start_timeout=${DEV_START_TIMEOUT:-180}
cd "$root"

say() { printf '\n==> %s\n' "$*"; }

retry() { # times command...: run command every 2 s until it succeeds
  local n=$1; shift
  for _ in $(seq "$n"); do "$@" 2>/dev/null && return 0; sleep 2; done
  "$@"
}

# The claim make dev applies: CLOUD=gcp (make dev CLOUD=gcp) takes the
# same application to Google Cloud (Cloud SQL, Memorystore, GCS).
claim_cloud=${CLOUD:-aws}
case $claim_cloud in
aws) claim=shop example=examples/platform/appenvironment.yaml ;;
gcp) claim=shop-gcp example=examples/platform/appenvironment-gcp.yaml ;;
*) echo "CLOUD must be aws or gcp, not $claim_cloud" >&2; exit 2 ;;
esac
secret=$claim-env

# env_key KEY: a key of the AppEnvironment's Secret default/$secret.
env_key() { kubectl get secret -n default "$secret" -o go-template="{{with index .data \"$1\"}}{{. | base64decode}}{{end}}"; }

psql_app() {
  local url; url=$(env_key DATABASE_URL)
  [[ -n $url ]] && psql "$url" -Atc "select '  connected to ' || current_database() || ' as ' || current_user"
}

ping_cache() {
  local pw; pw=$(env_key REDIS_PASSWORD)
  [[ -n $pw ]] && REDISCLI_AUTH=$pw redis-cli --tls --cacert "$state/$claim-redis-ca.crt" \
    -h "$(env_key REDIS_HOST)" -p "$(env_key REDIS_PORT)" --user default PING | sed 's/^/  /'
}

# plan_shown WANT ARGS...: runs bin/appinfra plan ARGS and shows what would
# change (the resources that would not change are left out), saying so if
# its exit code is not WANT.
plan_shown() {
  local want=$1 rc=0 out; shift
  out=$(bin/appinfra plan "$@" 2>&1) || rc=$?
  echo "  \$ appinfra plan $*   (exit $rc)"
  awk '
    /^ *(=|~|\+|-|-\/\+|-k8s|!|\?) [A-Z]/ { show = ($1 != "=") }
    /^(Plan|Read-only):/ { show = 1 }
    /^$/ { next }
    show { print "    " $0 }' <<<"$out"
  if ((rc != want)); then
    echo "  (exit $rc, where $want was expected: the plan above says why)"
  fi
}

# creation_traces: the trace viewer's links to the reconciles that created
# the claim's resources (fails while there are none yet).
creation_traces() {
  local t; t=$(curl -fsS "$TRACES_URL/traces.txt?claim=default/$claim&span=Create")
  [[ -n $t ]] && echo "$t"
}

boot_id() { cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown; }

# record NAME PID: NAME's pid file, with this boot's id.
record() { echo "$2 $(boot_id)" >"$state/$1.pid"; }

# pid_of NAME: the PID recorded for NAME, unless the file is from before a
# reboot or the PID, alive, is no longer NAME's: a stale file must never
# name someone else's process (or session) to be killed.
pid_of() {
  [[ -f $state/$1.pid ]] || return 1
  local pid boot
  read -r pid boot <"$state/$1.pid" || true
  [[ -n $pid && $boot == "$(boot_id)" ]] || return 1
  if kill -0 "$pid" 2>/dev/null && [[ $(cat "/proc/$pid/comm" 2>/dev/null) != "$1" ]]; then
    return 1
  fi
  echo "$pid"
}

alive() { local pid; pid=$(pid_of "$1") && kill -0 "$pid" 2>/dev/null; }

stop() { # name: SIGTERM, wait up to 20 s, then SIGKILL
  alive "$1" || return 0
  local pid; pid=$(pid_of "$1")
  echo "stopping $1 (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

down() {
  stop provider-aws
  stop provider-gcp
  stop provider # one binary for both clouds, before the family
  stop devstack
  # devstack leads its own session (setsid), and whatever it started stays
  # in it: etcd, kube-apiserver, the emulators, the local cloud and its
  # engines. Whatever a stop that failed half-way, or a devstack that died,
  # left behind goes with the session. (Its ID cannot be taken by another
  # session while any of its processes lives.)
  local sid
  if sid=$(pid_of devstack) && pgrep -s "$sid" >/dev/null; then
    echo "stopping what is left of its session: $(pgrep -s "$sid" -l | tr '\n' ' ')"
    pkill -KILL -s "$sid" || true
  fi
  rm -f "$state"/provider*.pid "$state/devstack.pid"
  echo "local stack stopped"
}

# quietly LOG COMMAND...: COMMAND's output (the compiler's download lines
# on a new machine) goes to LOG; on failure its end is shown.
quietly() {
  local log=$1; shift
  "$@" >"$log" 2>&1 && return 0
  echo "failed: $*; the end of $log:" >&2
  tail -n 20 "$log" >&2
  return 1
}

# diagnose: why the claim is not Ready, in the words of its resources and
# of the local cloud and its engines, not only the resources' states.
diagnose() {
  say "the claim is not Ready: what its resources and the local cloud say"
  KUBECONFIG=$state/kubeconfig "$CROSSPLANE_CLI" resource trace -n default appenvironment.platform.appinfra.io "$claim" -o wide || true
  echo
  kubectl get managed -n default -o go-template='{{range .items}}{{$r := printf "%s/%s" .kind .metadata.name}}{{range .status.conditions}}{{if ne .status "True"}}{{printf "  %s %s=%s: %s\n" $r .type .status .message}}{{end}}{{end}}{{end}}' || true
  local cloud
  cloud=$(grep -E '(rds|elasticache): .*(failed|cannot)' "$state/processes.log" | tail -n 5 || true)
  if [[ -n $cloud ]]; then
    echo "  the local cloud says:"
    echo "$cloud" | sed 's/^/    /'
  fi
  echo "  logs: $state/provider-aws.log and provider-gcp.log, $state/processes.log (control plane, emulators, local cloud), engine logs under $state/localcloud/data"
  echo "  the stack is still up for you to look; make dev-down stops it"
}

up() {
  if alive devstack; then
    echo "the local stack is already running; 'make dev-down' stops it" >&2
    exit 1
  fi
  mkdir -p "$state" bin
  if compgen -G "$state/*.pid" >/dev/null; then
    echo "stopping what an earlier make dev left running"
    down
  fi

  say "installing what is missing (the first run on a new machine compiles kube-apiserver, etcd, kumo, fake-gcs-server, Crossplane core and CLI and the functions from source: about 30 minutes on 2 cores; later runs reuse them)"
  cluster/deps.sh
  kube=$(cluster/tools.sh kubectl)
  kubectl() { "$kube/kubectl" --kubeconfig "$state/kubeconfig" "$@"; }

  say "building the providers (provider-aws, provider-gcp), appinfra (bin/kubectl-appinfra links to it) and devstack (log: $state/build.log)"
  quietly "$state/build.log" go build -o bin/ ./cmd/provider-aws ./cmd/provider-gcp ./cmd/appinfra
  ln -sf appinfra bin/kubectl-appinfra
  quietly "$state/build.log" go build -o bin/devstack ./cmd/devstack

  say "starting the control plane, kumo, fake-gcs-server, the local cloud, a package registry, Crossplane core and its functions on 127.0.0.1"
  rm -f "$state/kubeconfig"
  # A start that fails or is interrupted, until the claim is applied,
  # stops everything it started.
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'rc=$?; if ((rc != 0)); then echo "make dev did not finish starting (exit $rc): stopping what it started" >&2; down; fi' EXIT
  # devstack builds what it runs first (its own progress lines say what),
  # then starts it. It leads a session of its own, which everything it
  # starts joins, so `down` can stop all of it. Output goes to files, never
  # to our stdout: a background process holding it would keep
  # `make dev | tee` from ever ending.
  : >"$state/devstack.log" # before the loop reads it, which may run first
  setsid bin/devstack --dir "$state" >>"$state/devstack.log" 2>&1 &
  record devstack $!
  local shown=0 started=
  show() { # the lines devstack printed since the last look
    local lines; lines=$(wc -l <"$state/devstack.log")
    if ((lines > shown)); then
      sed -n "$((shown + 1)),${lines}p" "$state/devstack.log" | sed 's/^/  /'
      shown=$lines
    fi
  }
  while [[ ! -f $state/kubeconfig ]]; do
    show
    # The start-up wait begins when the builds are done and the first
    # process starts (the line StartStack prints then).
    [[ -z $started ]] && grep -q '^devstack: starting etcd' "$state/devstack.log" && started=$SECONDS
    if ! alive devstack; then
      sleep 0.2; show
      echo "devstack exited; see $state/devstack.log and $state/processes.log" >&2
      exit 1
    fi
    if [[ -n $started ]] && ((SECONDS - started > start_timeout)); then
      echo "the stack did not come up in ${start_timeout} s; see $state/devstack.log and $state/processes.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  sleep 0.2; show
  # shellcheck source=/dev/null
  source "$state/env"
  xp=$CROSSPLANE_CLI
  # What appinfra plan renders Compositions with: the stack's crossplane
  # CLI, Crossplane core and function binaries.
  export APPINFRA_CROSSPLANE APPINFRA_CROSSPLANE_BINARY APPINFRA_FUNCTION_BIN
  kubectl get functions.pkg.crossplane.io

  local cloud addr
  for cloud in aws gcp; do
    addr=PROVIDER_${cloud^^}_METRICS_ADDR
    say "starting provider-$cloud (log: $state/provider-$cloud.log, metrics: http://${!addr}/metrics)"
    bin/provider-$cloud --kubeconfig "$state/kubeconfig" --poll 30s \
      --metrics-bind-address "${!addr}" --health-probe-bind-address 0 \
      --otel-endpoint "$TRACES_URL" \
      >"$state/provider-$cloud.log" 2>&1 &
    record provider-$cloud $!
  done

  say "installing the platform APIs (apis/platform: XRDs and Compositions)"
  kubectl apply -R -f apis/platform 2>&1 | grep -v '^Warning: CompositeResourceDefinition v1 is deprecated' | sed 's/^/  /' | tail -3
  if ! kubectl wait --for=condition=Established --timeout=120s compositeresourcedefinitions.apiextensions.crossplane.io --all >/dev/null; then
    say "the platform APIs did not become ready: what Crossplane says of them"
    kubectl get compositeresourcedefinitions.apiextensions.crossplane.io -o go-template='{{range .items}}{{$n := .metadata.name}}{{range .status.conditions}}{{printf "  %s %s=%s %s: %s\n" $n .type .status .reason .message}}{{end}}{{end}}' || true
    kubectl get events -A --field-selector involvedObject.kind=CompositeResourceDefinition -o go-template='{{range .items}}{{printf "  %s %s: %s\n" .involvedObject.name .reason .message}}{{end}}' 2>/dev/null | tail -20 || true
    exit 1
  fi
  kubectl get compositeresourcedefinitions.apiextensions.crossplane.io 2>/dev/null

  say "describing the dev environment's network (examples/platform/environmentconfig-dev.yaml): the local cloud's VPC, its private subnets, and the host as where applications run"
  kubectl apply -f examples/platform/environmentconfig-dev.yaml

  say "applying $example: a bucket, a PostgreSQL database and a Redis cache with one Secret, $secret (on $claim_cloud; about a minute)"
  kubectl apply -f "$example"
  # From here on the stack stays up whatever happens, for you to look at.
  trap - INT TERM EXIT
  if ! kubectl wait --for=condition=Ready --timeout=300s -n default "appenvironment.platform.appinfra.io/$claim"; then
    diagnose
    exit 1
  fi

  say "the claim's tree: claim -> composite -> managed resources"
  KUBECONFIG=$state/kubeconfig "$xp" resource trace -n default appenvironment.platform.appinfra.io "$claim" 2>/dev/null
  say "-> the cloud resources they manage (EXTERNAL-NAME is the name in the cloud, STATUS what the cloud reports)"
  kubectl get managed -n default

  say "Secret default/$secret (what the application loads with envFrom)"
  kubectl get secret -n default "$secret" \
    -o go-template='{{range $k, $v := .data}}{{printf "  %s\n" $k}}{{end}}'

  say "using it: a query, a PING and an object put and get"
  if command -v psql >/dev/null; then
    retry 30 psql_app
  else
    echo "  (psql is not installed; DATABASE_URL is in Secret default/$secret)"
  fi
  env_key REDIS_CA_CERT >"$state/$claim-redis-ca.crt"
  if command -v redis-cli >/dev/null; then
    retry 30 ping_cache
  else
    echo "  (redis-cli is not installed; REDIS_URL is in Secret default/$secret)"
  fi
  local bucket; bucket=$(env_key BUCKET_NAME)
  if [[ $claim_cloud == gcp ]]; then
    local gcs; gcs=$(env_key GCS_ENDPOINT); gcs=${gcs%/storage/v1/}
    echo "hello from make dev" | curl -fsS -X POST --data-binary @- "$gcs/upload/storage/v1/b/$bucket/o?uploadType=media&name=hello.txt" >/dev/null
    echo "  gs://$bucket/hello.txt: $(curl -fsS "$gcs/storage/v1/b/$bucket/o/hello.txt?alt=media")"
  else
    echo "hello from make dev" | curl -fsS -X PUT --data-binary @- "$KUMO_ENDPOINT/$bucket/hello.txt" >/dev/null
    echo "  s3://$bucket/hello.txt: $(curl -fsS "$KUMO_ENDPOINT/$bucket/hello.txt")"
  fi

  say "what applying the claim would do, as it is, resized and deleted: appinfra plan reads the cluster and the cloud, changes neither (docs/plan.md)"
  KUBECONFIG=$state/kubeconfig plan_shown 0 -f "$example"
  sed 's/size: small/size: medium/' "$example" >"$state/$claim-medium.yaml"
  KUBECONFIG=$state/kubeconfig plan_shown 2 -f "$state/$claim-medium.yaml"
  KUBECONFIG=$state/kubeconfig plan_shown 3 --delete -f "$example"

  say "traces: the reconciles that created the claim's resources, down to each cloud call (all traces: $TRACES_URL)"
  # The providers send spans every few seconds.
  retry 10 creation_traces | sed 's/^/  /' || echo "  (none has arrived yet: look at $TRACES_URL)"

  cat <<MSG

The local stack is up. Try:
  export KUBECONFIG=$state/kubeconfig PATH=$kube:\$PATH
  export APPINFRA_CROSSPLANE=$APPINFRA_CROSSPLANE APPINFRA_CROSSPLANE_BINARY=$APPINFRA_CROSSPLANE_BINARY APPINFRA_FUNCTION_BIN=$APPINFRA_FUNCTION_BIN
  kubectl get appinfra -A                         # the claims (and v2 XRs)
  $xp resource trace -n default appenvironment.platform.appinfra.io $claim
  eval "\$(kubectl get secret -n default $secret -o go-template='{{range \$k, \$v := .data}}{{if ne \$k "REDIS_CA_CERT"}}export {{\$k}}='"'"'{{\$v | base64decode}}'"'"'{{"\\n"}}{{end}}{{end}}')"
  kubectl get secret -n default $secret -o go-template='{{index .data "REDIS_CA_CERT" | base64decode}}' > /tmp/redis-ca.crt
  psql "\$DATABASE_URL"
  REDISCLI_AUTH=\$REDIS_PASSWORD redis-cli --tls --cacert /tmp/redis-ca.crt --user default -h \$REDIS_HOST -p \$REDIS_PORT PING
  $(if [[ $claim_cloud == gcp ]]; then echo 'curl "${GCS_ENDPOINT%/storage/v1/}/storage/v1/b/$BUCKET_NAME/o/hello.txt?alt=media"'; else echo 'curl $AWS_ENDPOINT_URL_S3/$BUCKET_NAME/hello.txt'; fi)
  kubectl apply -f examples/platform/objectstore-gcp.yaml   # more claims in examples/platform
  bin/appinfra plan -f $example   # what applying it would do, in the cluster and the cloud (docs/plan.md)
Stop it with: make dev-down
MSG
}

case ${1:-} in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
