# Palaver: `make run` serves on 127.0.0.1:8080 with an embedded SQLite database under
# ./data; `make test` runs the whole suite (SQLite only, unless the URLs below are set).
#
#   PALAVER_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test
#   PALAVER_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test
#
# With either set (or PALAVER_TEST_DATABASE_URL, naming any server), every test that touches
# the database runs again against that server, each test in a database of its own.
#
#   PALAVER_TEST_REDIS_URL=redis://127.0.0.1:6379
#   PALAVER_TEST_NATS_URL=nats://127.0.0.1:4222
#
# With either set, `make test` also runs the cluster bus tests (`make test-bus`) against that
# server, each test on namespaces of its own. `make test-servers` runs the two-node cluster
# tests (palaver-server's tests/cluster.rs: two palaver-server processes on one database) on
# each bus named, on each database server named (or on SQLite when none is). Tests that need
# a server are #[ignore]d: nextest reports them as skipped, they run only when their server
# is named, and `make test` ends by listing what it did not run. With CI set (not "false"
# or "0"), every URL above must be set: CI fails rather than skip a test.
#
# `make test-deploy` puts nginx from deploy/ in front of two palaver-server nodes on
# PostgreSQL and Redis and checks REST and a WebSocket message across nodes over HTTPS.
#
# The web client (web/, Preact + Vite) is built into crates/web/client-dist, which is committed
# and embedded in the binary: `make run` needs no Node. `make web` rebuilds it (npm ci + vite
# build); `make test-web` runs its browser tests (Playwright driving /usr/bin/chromium, or
# CHROMIUM_PATH) against a debug server on a free port with a fresh SQLite database;
# `make test-web-cluster` runs them against two nodes behind nginx (needs nginx, psql,
# PALAVER_TEST_POSTGRES_URL and PALAVER_TEST_REDIS_URL or PALAVER_TEST_NATS_URL).
#
# The load generator (crates/loadgen, palaver-loadgen) is not part of `make test`.
# `make bench` (scripts/bench.sh) builds release binaries and measures Palaver on SQLite and
# on PostgreSQL against a bare broadcast baseline, writing the table into docs/benchmarks.md;
# it needs taskset, psql and PostgreSQL at PALAVER_BENCH_POSTGRES_ADMIN_URL (see the script).

CARGO ?= cargo
# cargo-nextest runs each test in its own process, in parallel; plain cargo test works too.
NEXTEST := $(shell if $(CARGO) nextest --version >/dev/null 2>&1; then echo yes; fi)
ifeq ($(NEXTEST),yes)
TEST_RUNNER := $(CARGO) nextest run
# Only the #[ignore]d tests (those that need a server); a name filter may follow.
IGNORED_ONLY := --run-ignored only
else
TEST_RUNNER := $(CARGO) test
IGNORED_ONLY := -- --ignored
endif
DB_TEST_CRATES := -p palaver-migrations -p palaver-persistence -p palaver-server -p palaver-tests
SERVER_URLS := PALAVER_TEST_POSTGRES_URL PALAVER_TEST_MYSQL_URL PALAVER_TEST_REDIS_URL PALAVER_TEST_NATS_URL
export PALAVER_TEST_REDIS_URL PALAVER_TEST_NATS_URL
IN_CI := $(filter-out false 0,$(strip $(CI)))

TEST_TARGETS := test-sqlite test-servers
ifneq ($(strip $(PALAVER_TEST_REDIS_URL)$(PALAVER_TEST_NATS_URL)),)
TEST_TARGETS += test-bus
endif

.PHONY: run test check-ci-servers test-sqlite test-servers test-bus test-deploy fuzz build release bench lint fmt migrate-status \
	web web-deps test-web test-web-cluster

run:
	$(CARGO) run --bin palaver-server -- serve

test: check-ci-servers $(TEST_TARGETS)
	@missing=""; \
	case "$$PALAVER_TEST_POSTGRES_URL $$PALAVER_TEST_DATABASE_URL" in *postgres*) ;; \
		*) missing="$$missing\n   the database tests on PostgreSQL (set PALAVER_TEST_POSTGRES_URL)";; esac; \
	case "$$PALAVER_TEST_MYSQL_URL $$PALAVER_TEST_DATABASE_URL" in *mysql*|*mariadb*) ;; \
		*) missing="$$missing\n   the database tests on MySQL/MariaDB (set PALAVER_TEST_MYSQL_URL)";; esac; \
	[ -n "$$PALAVER_TEST_REDIS_URL" ] || \
		missing="$$missing\n   the Redis bus tests and the two-node cluster tests on Redis (set PALAVER_TEST_REDIS_URL)"; \
	[ -n "$$PALAVER_TEST_NATS_URL" ] || \
		missing="$$missing\n   the NATS bus tests and the two-node cluster tests on NATS (set PALAVER_TEST_NATS_URL)"; \
	if [ -n "$$missing" ]; then printf "== NOT RUN, as no server was named for them (the #[ignore]d ones show as skipped above):$$missing\n"; \
	else echo "== every database and bus test ran"; fi; \
	echo "== the nginx deployment test runs in make test-deploy"

# In CI nothing may be skipped: every server URL must be given.
check-ci-servers:
ifneq ($(IN_CI),)
	@missing=""; for variable in $(SERVER_URLS); do \
		eval "value=\$${$$variable}"; [ -n "$$value" ] || missing="$$missing $$variable"; \
	done; \
	if [ -n "$$missing" ]; then echo "== CI is set but not:$$missing; CI runs every test, so it fails rather than skip" >&2; exit 1; fi
else
	@true
endif

# Everything on SQLite; tests that need a server (#[ignore]d) are reported as skipped.
test-sqlite:
	env -u PALAVER_TEST_DATABASE_URL -u PALAVER_TEST_REDIS_URL -u PALAVER_TEST_NATS_URL \
		$(TEST_RUNNER) --workspace --exclude palaver-loadgen

# The database tests on each database server named, and the two-node cluster tests on each
# bus named (on that database; on SQLite when no database server is named).
test-servers:
	@set -e; ran=""; \
	for url in "$$PALAVER_TEST_POSTGRES_URL" "$$PALAVER_TEST_MYSQL_URL" "$$PALAVER_TEST_DATABASE_URL"; do \
		case "$$url" in ""|sqlite*) continue;; esac; \
		case " $$ran " in *" $$url "*) continue;; esac; \
		ran="$$ran $$url"; \
		echo "== database tests on $${url%%:*}"; \
		PALAVER_TEST_DATABASE_URL="$$url" $(TEST_RUNNER) $(DB_TEST_CRATES); \
	done; \
	[ -n "$$ran" ] || echo "== no database server URL given: PostgreSQL and MySQL tests not run"; \
	for url in $${ran:-sqlite}; do \
		for bus in redis:"$$PALAVER_TEST_REDIS_URL" nats:"$$PALAVER_TEST_NATS_URL"; do \
			[ -n "$${bus#*:}" ] || continue; \
			echo "== two-node cluster tests on $${url%%:*} with a $${bus%%:*} bus"; \
			database=""; [ "$$url" = sqlite ] || database="PALAVER_TEST_DATABASE_URL=$$url"; \
			env -u PALAVER_TEST_DATABASE_URL $$database \
				$(TEST_RUNNER) -p palaver-server --test cluster --test cluster_throttle $(IGNORED_ONLY) $${bus%%:*}_cluster::; \
		done; \
	done

# The cluster bus against the Redis and/or NATS servers named above, then the black-box
# WebSocket tests with the server on each named bus (on PostgreSQL when
# PALAVER_TEST_POSTGRES_URL is set).
test-bus:
	@set -e; for bus in redis:"$$PALAVER_TEST_REDIS_URL" nats:"$$PALAVER_TEST_NATS_URL"; do \
		[ -n "$${bus#*:}" ] || continue; \
		echo "== cluster bus tests on $${bus%%:*}"; \
		$(TEST_RUNNER) -p palaver-pubsub --test $${bus%%:*} $(IGNORED_ONLY); \
	done
	@set -e; for bus in "$$PALAVER_TEST_REDIS_URL" "$$PALAVER_TEST_NATS_URL"; do \
		[ -n "$$bus" ] || continue; \
		database="$${PALAVER_TEST_POSTGRES_URL:-sqlite}"; \
		echo "== WebSocket tests on $${database%%:*} with a $${bus%%:*} bus"; \
		for tests in realtime operations::metrics; do \
			env -u PALAVER_TEST_DATABASE_URL $${PALAVER_TEST_POSTGRES_URL:+PALAVER_TEST_DATABASE_URL="$$PALAVER_TEST_POSTGRES_URL"} \
				PALAVER_TEST_PUBSUB_URL="$$bus" $(TEST_RUNNER) -p palaver-tests $$tests; \
		done; \
	done

# nginx running deploy/nginx/palaver.conf in front of two palaver-server nodes on PostgreSQL
# and Redis, checked over HTTPS (crates/server/tests/deploy.rs). Fails without its servers.
NGINX ?= $(shell command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
test-deploy:
	@[ -n "$$PALAVER_TEST_POSTGRES_URL" ] || { echo "== test-deploy needs PALAVER_TEST_POSTGRES_URL" >&2; exit 1; }
	@[ -n "$$PALAVER_TEST_REDIS_URL" ] || { echo "== test-deploy needs PALAVER_TEST_REDIS_URL" >&2; exit 1; }
	@[ -x "$(NGINX)" ] || { echo "== test-deploy needs nginx (apt-get install nginx)" >&2; exit 1; }
	env PALAVER_TEST_DATABASE_URL="$$PALAVER_TEST_POSTGRES_URL" PALAVER_TEST_NGINX="$(NGINX)" \
		$(TEST_RUNNER) -p palaver-server --test deploy $(IGNORED_ONLY)

# Schemathesis (installed by the target into target/fuzz-venv) against the OpenAPI document
# a fresh debug server serves, with every check: on SQLite, then on a fresh PostgreSQL
# database when PALAVER_TEST_POSTGRES_URL is set. PALAVER_FUZZ_SECONDS (default 120) bounds
# each run. Fails on any server error or failed check.
fuzz:
	tests/fuzz/run

build:
	$(CARGO) build

release:
	$(CARGO) build --release

bench:
	scripts/bench.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

migrate-status:
	$(CARGO) run --bin palaver-migrate -- status

SERVER_BIN := $(abspath $(or $(CARGO_TARGET_DIR),target))/debug/palaver-server

web-deps:
	cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund

web: web-deps
	cd web && npm run build

test-web:
	$(CARGO) build --bin palaver-server
	@[ -d web/node_modules ] || $(MAKE) web-deps
	PALAVER_SERVER_BIN=$(SERVER_BIN) web/scripts/test-web.sh $(ARGS)

test-web-cluster:
	$(CARGO) build --bin palaver-server
	@[ -d web/node_modules ] || $(MAKE) web-deps
	PALAVER_SERVER_BIN=$(SERVER_BIN) web/scripts/test-web-cluster.sh $(ARGS)
