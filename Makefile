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
# server, each test on namespaces of its own, and `make test-servers` runs the two-node cluster
# tests (palaver-server's tests/cluster.rs: two palaver-server processes on one database) on
# each database server with each bus named. Those tests skip without a bus URL, but fail
# instead when CI is set; `make test-sqlite` skips them on purpose (PALAVER_TEST_SKIP_CLUSTER).
#
# The load generator (crates/loadgen, palaver-loadgen) is not part of `make test`.
# `make bench` (scripts/bench.sh) builds release binaries and measures Palaver on SQLite and
# on PostgreSQL against a bare broadcast baseline, writing the table into docs/benchmarks.md;
# it needs taskset, psql and PostgreSQL at PALAVER_BENCH_POSTGRES_ADMIN_URL (see the script).

CARGO ?= cargo
# cargo-nextest runs each test in its own process, in parallel; plain cargo test works too.
TEST_RUNNER := $(shell if $(CARGO) nextest --version >/dev/null 2>&1; then echo "$(CARGO) nextest run"; else echo "$(CARGO) test"; fi)
DB_TEST_CRATES := -p palaver-migrations -p palaver-persistence -p palaver-server -p palaver-tests
BUS_TEST_CRATES := -p palaver-pubsub
export PALAVER_TEST_REDIS_URL PALAVER_TEST_NATS_URL

TEST_TARGETS := test-sqlite test-servers
ifneq ($(strip $(PALAVER_TEST_REDIS_URL)$(PALAVER_TEST_NATS_URL)),)
TEST_TARGETS += test-bus
endif

.PHONY: run test test-sqlite test-servers test-bus build release bench lint fmt migrate-status

run:
	$(CARGO) run --bin palaver-server -- serve

test: $(TEST_TARGETS)
	@case " $(TEST_TARGETS) " in *" test-bus "*) ;; \
	*) echo "== no PALAVER_TEST_REDIS_URL or PALAVER_TEST_NATS_URL given: Redis and NATS bus tests not run";; esac

# The two-node cluster tests run in test-servers, not here.
test-sqlite:
	env -u PALAVER_TEST_DATABASE_URL -u PALAVER_TEST_REDIS_URL -u PALAVER_TEST_NATS_URL \
		PALAVER_TEST_SKIP_CLUSTER=1 $(TEST_RUNNER) --workspace --exclude palaver-loadgen

test-servers:
	@set -e; ran=""; \
	for url in "$$PALAVER_TEST_POSTGRES_URL" "$$PALAVER_TEST_MYSQL_URL" "$$PALAVER_TEST_DATABASE_URL"; do \
		case "$$url" in ""|sqlite*) continue;; esac; \
		case " $$ran " in *" $$url "*) continue;; esac; \
		ran="$$ran $$url"; \
		buses="$${PALAVER_TEST_REDIS_URL:+ Redis}$${PALAVER_TEST_NATS_URL:+ NATS}"; \
		echo "== database tests on $${url%%:*}, cluster tests on$${buses:- no bus (skipped)}"; \
		PALAVER_TEST_DATABASE_URL="$$url" PALAVER_TEST_REDIS_URL="$$PALAVER_TEST_REDIS_URL" \
			PALAVER_TEST_NATS_URL="$$PALAVER_TEST_NATS_URL" $(TEST_RUNNER) $(DB_TEST_CRATES); \
	done; \
	[ -n "$$ran" ] || echo "== no database server URL given: PostgreSQL and MySQL tests not run"

# The cluster bus against the Redis and/or NATS servers named above (a test whose server is
# not named says it is skipped), then the black-box WebSocket tests with the server on each
# named bus (on PostgreSQL when PALAVER_TEST_POSTGRES_URL is set).
test-bus:
	@servers="$${PALAVER_TEST_REDIS_URL:+ Redis}$${PALAVER_TEST_NATS_URL:+ NATS}"; \
	echo "== cluster bus tests on$${servers:- no server (each live test says it is skipped)}"
	$(TEST_RUNNER) $(BUS_TEST_CRATES)
	@set -e; for bus in "$$PALAVER_TEST_REDIS_URL" "$$PALAVER_TEST_NATS_URL"; do \
		[ -n "$$bus" ] || continue; \
		database="$${PALAVER_TEST_POSTGRES_URL:-sqlite}"; \
		echo "== WebSocket tests on $${database%%:*} with a $${bus%%:*} bus"; \
		env -u PALAVER_TEST_DATABASE_URL $${PALAVER_TEST_POSTGRES_URL:+PALAVER_TEST_DATABASE_URL="$$PALAVER_TEST_POSTGRES_URL"} \
			PALAVER_TEST_PUBSUB_URL="$$bus" $(TEST_RUNNER) -p palaver-tests realtime; \
	done

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
