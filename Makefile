# provider-appinfra. Every tool is built from pinned versions by
# cluster/tools.sh into ${XDG_CACHE_HOME:-~/.cache}/provider-appinfra.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO ?= go
# One set of build flags for every build and test here, the tools' and the
# packages' included (cluster/tools.sh, cluster/package.sh): Go's build cache
# keys compiled packages by them, so with one set a dependency shared by the
# tests, the providers' binaries, their packages and a tool compiles once.
export CGO_ENABLED ?= 0
export GOFLAGS ?= -trimpath
# Integration tests start their own control plane and emulators.
INTEGRATION_TIMEOUT ?= 20m
E2E_TIMEOUT ?= 20m
FAULT_TIMEOUT ?= 25m

help: ## Show the targets.
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

generate: ## Regenerate deepcopy methods, managed-resource method sets, CRDs and the platform APIs' derived YAML.
	cd apis && $(GO) generate -tags generate ./...
	$(MAKE) --no-print-directory platform

platform: ## Regenerate only the platform APIs' derived YAML (AppEnvironment, the v2 forms) from the sources in apis/platform.
	$(GO) run ./cmd/platformgen --dir apis/platform

check-generate: generate ## Fail if generated files or go.mod/go.sum are not up to date.
	$(GO) mod tidy
	@git diff --exit-code -- apis package go.mod go.sum || { echo "generated files or go.mod changed: run 'make generate' and 'go mod tidy', and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- apis package)" || { git status --porcelain -- apis package; echo "untracked generated files: run 'make generate' and commit"; exit 1; }

build: ## Build the provider family into bin/: provider-aws (S3, RDS, ElastiCache, EC2 security groups) and provider-gcp (Cloud Storage, Cloud SQL, Memorystore), and the appinfra command (with bin/kubectl-appinfra, the kubectl plugin, linked to it).
	$(GO) build -o bin/ ./cmd/provider-aws ./cmd/provider-gcp ./cmd/appinfra
	ln -sf appinfra bin/kubectl-appinfra

lint: ## gofmt and go vet, with the test suites' build tags (integration, render, e2e, fault) on: one vet of every package.
	@out=$$(gofmt -l $$(git ls-files '*.go')); test -z "$$out" || { echo "gofmt needed:"; echo "$$out"; exit 1; }
	$(GO) vet -tags integration,render,e2e,fault ./...

unit: deps ## Unit tests (the local cloud's run real PostgreSQL).
	$(GO) test ./...

deps: ## Install the local cloud's database engines from Debian when missing (as root).
	cluster/deps.sh

integration: deps ## Integration tests against a real kube-apiserver + etcd, emulators and the local cloud.
	for t in kube etcd kumo fake-gcs; do cluster/tools.sh $$t >/dev/null; done
	$(GO) test -tags integration -count=1 -timeout $(INTEGRATION_TIMEOUT) ./test/...

render: ## Render every platform Composition with the crossplane CLI against the examples; validate against the CRDs and XRDs.
	XP_BIN=$$(cluster/tools.sh crossplane) FN_BIN=$$(cluster/tools.sh functions) $(GO) test -tags render -count=1 ./test/render/...

render-update: ## Rewrite the render tests' expected output (review the diff).
	XP_BIN=$$(cluster/tools.sh crossplane) FN_BIN=$$(cluster/tools.sh functions) $(GO) test -tags render -count=1 ./test/render/... -update

e2e: deps ## End to end: Crossplane core, functions, both providers, the local cloud; claims applied, used and deleted; the three packages built, pushed, installed (each provider's binary linking only its cloud's SDK); make dev from a private directory with kube unbuilt, and a failed start, leaving nothing running.
	for t in kube kubectl etcd kumo fake-gcs crossplane functions; do cluster/tools.sh $$t >/dev/null; done
	$(GO) test -tags e2e -count=1 -p 1 -timeout $(E2E_TIMEOUT) ./test/e2e/...

fault: deps ## Fault injection: two replicas of each provider against clouds behind fault proxies, the leader of the provider making a call killed, kube-apiserver restarted, credentials expired; invariants and a secret canary checked; prints a report.
	for t in kube etcd kumo fake-gcs; do cluster/tools.sh $$t >/dev/null; done
	$(GO) test -tags fault -count=1 -v -timeout $(FAULT_TIMEOUT) ./test/fault/... 2>&1 | grep -v '^=== RUN\|^=== PAUSE\|^=== CONT'

SOAK ?= 30m
soak: deps ## The fault-injection suite with the flaky clouds kept up for SOAK (30m) in sync: slow leaks, drift and stuck resources. Not part of make test.
	for t in kube etcd kumo fake-gcs; do cluster/tools.sh $$t >/dev/null; done
	FAULT_SOAK=$(SOAK) $(GO) test -tags fault -count=1 -v -timeout 3h ./test/fault/... 2>&1 | grep -v '^=== RUN\|^=== PAUSE\|^=== CONT'

packages: ## Build the two provider packages (AWS, GCP) and the configuration package (.xpkg) into _output/packages, offline and reproducibly, versioned by VERSION.
	cluster/package.sh

BENCH_N ?= 1000
BENCH_KINDS_N ?= 100
bench: deps ## Benchmarks, not part of make test: Go benchmarks of the hot pure functions; BENCH_N (1000) S3 Buckets on the local stack with the providers' defaults and with the earlier ones (--max-reconcile-rate 10, --max-concurrent-reconciles 10); BENCH_KINDS_N (100) each of GCS Buckets, databases and caches kept in sync for 10 minutes of 10 s polls (an hour of the default poll), with the AWS provider's RDS and ElastiCache limits six times their defaults as the poll is six times shorter. Numbers and targets per provider; tables printed, JSON and Markdown summaries in docs/.
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...
	for t in kube etcd kumo fake-gcs; do cluster/tools.sh $$t >/dev/null; done
	$(GO) run ./test/bench/scale --local --n $(BENCH_N) --workers 16 --poll 10s --settle 2m --docs docs/benchmarks
	$(GO) run ./test/bench/scale --local --n $(BENCH_N) --workers 16 --poll 10s --settle 2m --provider-flags "--max-reconcile-rate 10 --max-concurrent-reconciles 10" --docs docs/benchmarks-rate10
	$(GO) run ./test/bench/scale --local --n 0 --gcs-buckets $(BENCH_KINDS_N) --databases $(BENCH_KINDS_N) --caches $(BENCH_KINDS_N) --workers 16 --poll 10s --settle 10m --timeout 20m --aws-provider-flags "--cloud-api-rate-limits rds=60/600,elasticache=60/600" --docs docs/benchmarks-kinds

bench-10k: deps ## 10,000 S3 Buckets with --poll 10m, as the largest installations would run (about 40 minutes): does provider-appinfra-aws keep them in 512 MiB? Writes docs/benchmarks-10k.{md,json}.
	for t in kube etcd kumo fake-gcs; do cluster/tools.sh $$t >/dev/null; done
	$(GO) run ./test/bench/scale --local --n 10000 --workers 16 --poll 10m --settle 12m --timeout 30m --docs docs/benchmarks-10k

test: unit integration render e2e fault ## The whole test suite: unit, integration, render, end to end (make dev's first run included) and fault injection.

CLOUD ?= aws
run: ## Run one provider of the family (CLOUD: aws or gcp) out of cluster against the cluster KUBECONFIG names (CRDs must be installed).
	$(GO) run ./cmd/provider-$(CLOUD) --debug --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 0

dev: ## Bring up the local stack (control plane, emulators, local cloud, Crossplane core and functions, the AWS and GCP providers), apply the example AppEnvironment claim (on AWS; CLOUD=gcp: on Google Cloud) and use its Secret. DEV_DIR (.dev) holds its state and logs.
	CLOUD=$(CLOUD) cluster/dev.sh up

dev-down: ## Stop everything `make dev` started, databases and caches included (their data stays).
	cluster/dev.sh down

cloud-event: ## On make dev's stack, make the local cloud do now what it does on its own: EVENT of ID in SERVICE (rds: maintenance, storage-low, storage-full, failover, reboot, stop, start; elasticache: maintenance, failover).
	@test -n "$(SERVICE)" -a -n "$(ID)" -a -n "$(EVENT)" || { echo "usage: make cloud-event SERVICE=rds|elasticache ID=<DB instance or replication group id> EVENT=<event>"; exit 2; }
	@. $${DEV_DIR:-.dev}/env && curl -sS --fail-with-body -X POST "$$LOCALCLOUD_ENDPOINT/localcloud/admin/$(SERVICE)/$(ID)/$(EVENT)" && echo "$(SERVICE) $(ID): $(EVENT)"

.PHONY: deps help generate platform check-generate build lint unit render render-update integration e2e fault soak packages bench bench-10k test run dev dev-down cloud-event
