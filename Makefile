GO ?= go
# golangci-lint is run at a pinned version, not added to go.mod, so that
# `go mod download` on CI stays small.
GOLANGCI_LINT ?= github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.6.2

.PHONY: run build test check test-slow test-dist test-portable test-windows cross fuzz dist bench soak lint golden docs tidy cover pictures

## run: devserver on the repo's own devserver.yaml (the example app)
run: build
	./bin/devserver

## build: the devserver binary in bin/
build:
	$(GO) build -o bin/devserver ./cmd/devserver

## test: vet, gofmt check, and every test under the race detector (the slower proofs are `make check`)
test:
	$(GO) vet ./...
	@out=$$(gofmt -l .); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null || \
	  echo "note: no chromium on PATH: TestLiveReloadInABrowser will skip (apt-get install chromium)"
	@command -v ss >/dev/null || echo "note: no ss on PATH: TestQueueSizeIsTheBacklog will skip (apt-get install iproute2)"
	@command -v zbarimg >/dev/null || echo "note: no zbarimg on PATH: TestAScannerReadsIt will skip (apt-get install zbar-tools)"
	@command -v node >/dev/null || echo "note: no node on PATH: TestExamplesRun/node-web will skip"
	@command -v python3 >/dev/null || echo "note: no python3 on PATH: TestExamplesRun/python-web will skip"
	@[ "$$(id -u)" != 0 ] || command -v setpriv >/dev/null || echo "note: root without setpriv: the unreadable-directory tests will skip"
	@# The race runtime sleeps a second as each test binary exits, in case a
	@# goroutine still running reports late; the tests wait for their own.
	GORACE="$${GORACE:+$$GORACE }atexit_sleep_ms=0" $(GO) test -race -count=1 ./...

## check: the slower proofs, after `make test`: every OS/arch vetted and built, the generic Unix path, the real stacks from npm, Windows under Wine, the fuzz targets, the release archives
check: cross test-portable test-slow test-windows fuzz test-dist

## test-slow: the tests that install a real stack (Vite and Express, yaml-language-server from npm; the examples' interpreters)
test-slow:
	DEVSERVER_TEST_SLOW=1 $(GO) test -race -count=1 -run '^(TestViteAndAnAPIFromInit|TestExamplesRun|TestAnEditorCompletesFromTheSchema)$$' ./cmd/devserver ./config

## test-dist: make dist for two targets, and what its archives and package files hold
test-dist:
	DEVSERVER_TEST_DIST=1 $(GO) test -count=1 -run '^TestReleaseArchives$$' ./cmd/devserver

## cross: vet every target (tests included) and build devserver for it: Linux, macOS, Windows, FreeBSD on amd64 and arm64
TARGETS = linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64 freebsd/amd64 freebsd/arm64
cross:
	@for t in $(TARGETS); do \
	  echo "vet $$t"; \
	  GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) vet ./... || exit 1; \
	  GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build -o /dev/null ./cmd/devserver || exit 1; \
	done

## test-portable: the process tests again on the generic Unix path (what macOS and the BSDs run)
test-portable:
	$(GO) test -race -count=1 -tags devserver_portable ./reload ./session
	GOFLAGS=-tags=devserver_portable $(GO) test -race -count=1 -run 'SIGKILL|CtrlC|Build|Guard|Leftover|Stop' ./cmd/devserver

## test-windows: Windows test binaries under Wine (installs wine64 and mingw where it can, else skips)
test-windows:
	bash scripts/wine/run

## dist: release archives for linux, darwin, windows and freebsd on amd64 and arm64 (with completions and man pages), SHA256SUMS, a Homebrew formula and a Scoop manifest (VERSION=v1.2.3 to stamp one)
dist:
	bash scripts/dist

## fuzz: each fuzz target for a number of inputs (the seeds alone run in `make test`).
## Counts, not durations: Go 1.26's coordinator can fail a clean run whose -fuzztime
## deadline lands mid-input (go.dev/issue/75804); a count has no deadline to race.
FUZZ_LOAD ?= 4000x
FUZZ_PROXY ?= 600x
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZ_LOAD) -fuzzminimizetime 200x ./config
	$(GO) test -run '^$$' -fuzz '^FuzzProxyRequest$$' -fuzztime $(FUZZ_PROXY) -fuzzminimizetime 200x ./server

## bench: measure devserver against references in the same run; writes docs/BENCHMARKS.md (BENCH_QUICK=1 for a short run)
bench:
	@command -v strace >/dev/null || (apt-get install -y strace >/dev/null 2>&1 || echo "bench: strace missing and not installable: no syscall counts")
	@command -v entr >/dev/null || (apt-get install -y entr >/dev/null 2>&1 || echo "bench: entr missing and not installable: no entr row")
	$(GO) run ./bench -write

## soak: 10 minutes of changes, config saves and requests; writes the soak section of docs/BENCHMARKS.md
soak:
	$(GO) run ./bench soak -for 10m -write

## lint: golangci-lint with the import rules of .golangci.yml
lint:
	$(GO) run $(GOLANGCI_LINT) run ./...

## golden: rewrite the golden files of cmd/devserver/testdata/golden
golden:
	$(GO) test ./cmd/devserver -run TestGolden -update

## docs: regenerate docs/CONFIG.md and docs/devserver.schema.json from the key table
docs:
	$(GO) run ./internal/gendocs

## tidy: fail if go.mod or go.sum are not tidy
tidy:
	$(GO) mod tidy -diff

## cover: test coverage per function
cover:
	$(GO) test -coverprofile=cover.out ./...
	$(GO) tool cover -func=cover.out

## pictures: the README's pictures of the terminal (tmux) and of the error page (headless Chromium), in docs/pictures
pictures:
	$(GO) run ./scripts/pictures
