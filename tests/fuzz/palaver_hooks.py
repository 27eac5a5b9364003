"""Schemathesis hooks for `make fuzz`.

Auth: a bearer token for the fuzzing account (PALAVER_FUZZ_EMAIL / PALAVER_FUZZ_PASSWORD,
registered by tests/fuzz/run), logged in by email, which the fuzzer cannot change without
the password. A token that stops working (the fuzzer may call POST /api/auth/logout with
it) answers 401, and Schemathesis then asks for a new one here.

Data: random ids only ever find nothing (404), so some well-formed ids in paths are swapped
for ids of records made here first: conversations the account owns, each with another
member and a message. An id the generator made malformed on purpose is left alone.
"""

import os
import uuid

import requests
import schemathesis
from hypothesis import strategies as st

BASE = os.environ["PALAVER_FUZZ_BASE_URL"]
SEEDS = 8


def _login():
    response = requests.post(
        f"{BASE}/api/auth/login",
        json={"username": os.environ["PALAVER_FUZZ_EMAIL"], "password": os.environ["PALAVER_FUZZ_PASSWORD"]},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["access_token"]


def _seed():
    """Conversations, members and messages the fuzzer can reach, as id lists per kind."""
    token = _login()
    headers = {"Authorization": f"Bearer {token}"}
    ids = {"conversation": [], "user": [], "message": []}
    for n in range(SEEDS):
        other = requests.post(
            f"{BASE}/api/auth/register",
            json={"username": f"member{n}", "password": f"member-password-{n}"},
            timeout=10,
        )
        other.raise_for_status()
        user_id = other.json()["user"]["id"]
        conversation = requests.post(
            f"{BASE}/api/conversations",
            json={"kind": "group", "name": f"Seed {n}", "member_ids": [user_id]},
            headers=headers,
            timeout=10,
        )
        conversation.raise_for_status()
        conversation_id = conversation.json()["id"]
        message = requests.post(
            f"{BASE}/api/conversations/{conversation_id}/messages",
            json={"content": f"seed message {n}", "client_id": str(uuid.uuid4())},
            headers=headers,
            timeout=10,
        )
        message.raise_for_status()
        ids["conversation"].append(conversation_id)
        ids["user"].append(user_id)
        ids["message"].append(message.json()["id"])
    return ids


IDS = _seed()


@schemathesis.auth()
class PalaverBearer:
    def get(self, case, ctx):
        return _login()

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


def _kind(path, name):
    if name == "user_id" or path.startswith("/api/users/"):
        return "user"
    if path.startswith("/api/messages/"):
        return "message"
    if path.startswith("/api/conversations/"):
        return "conversation"
    return None


def _well_formed(value):
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    path = context.operation.path
    choices = {}
    for name, value in (path_parameters or {}).items():
        kind = _kind(path, name)
        if kind is not None and _well_formed(value):
            choices[name] = st.sampled_from([value, *IDS[kind]])
    if not choices:
        return st.just(path_parameters)
    return st.fixed_dictionaries(choices).map(lambda swapped: {**path_parameters, **swapped})
