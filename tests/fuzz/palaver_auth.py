"""Schemathesis hooks for `make fuzz`: a bearer token for the fuzzing account.

The account (PALAVER_FUZZ_EMAIL / PALAVER_FUZZ_PASSWORD, registered by tests/fuzz/run)
logs in by email, which the fuzzer cannot change without the password. A token that
stops working (the fuzzer may call POST /api/auth/logout with it) answers 401, and
Schemathesis then asks for a new one here.
"""

import os

import requests
import schemathesis


@schemathesis.auth()
class PalaverBearer:
    def get(self, case, ctx):
        base = os.environ["PALAVER_FUZZ_BASE_URL"]
        response = requests.post(
            f"{base}/api/auth/login",
            json={
                "username": os.environ["PALAVER_FUZZ_EMAIL"],
                "password": os.environ["PALAVER_FUZZ_PASSWORD"],
            },
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
