# Palaver: `make run` serves on 127.0.0.1:8080 with an embedded SQLite database under
# ./data; `make test` runs the whole suite (SQLite only, unless the URLs below are set).
#
#   PALAVER_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test
#   PALAVER_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test
#
# With either set, the database-backed tests run again against that server.

CARGO ?= cargo
# cargo-nextest runs each test in its own process, in parallel; plain cargo test works too.
TEST_RUNNER := $(shell if $(CARGO) nextest --version >/dev/null 2>&1; then echo "$(CARGO) nextest run"; else echo "$(CARGO) test"; fi)
DB_TEST_CRATES := -p palaver-persistence -p palaver-tests -p palaver-server

.PHONY: run test test-sqlite test-postgres test-mysql build release lint fmt migrate-status

run:
	$(CARGO) run --bin palaver-server -- serve

test: test-sqlite test-postgres test-mysql

test-sqlite:
	env -u PALAVER_TEST_DATABASE_URL $(TEST_RUNNER) --workspace

test-postgres:
	@if [ -n "$$PALAVER_TEST_POSTGRES_URL" ]; then \
		echo "== database tests on PostgreSQL"; \
		PALAVER_TEST_DATABASE_URL="$$PALAVER_TEST_POSTGRES_URL" $(TEST_RUNNER) $(DB_TEST_CRATES); \
	else echo "== PALAVER_TEST_POSTGRES_URL not set: PostgreSQL tests not run"; fi

test-mysql:
	@if [ -n "$$PALAVER_TEST_MYSQL_URL" ]; then \
		echo "== database tests on MySQL/MariaDB"; \
		PALAVER_TEST_DATABASE_URL="$$PALAVER_TEST_MYSQL_URL" $(TEST_RUNNER) $(DB_TEST_CRATES); \
	else echo "== PALAVER_TEST_MYSQL_URL not set: MySQL tests not run"; fi

build:
	$(CARGO) build

release:
	$(CARGO) build --release

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

migrate-status:
	$(CARGO) run --bin palaver-migrate -- status
