"""Schemathesis hooks for the fuzz tier (loaded by ``st run`` through SCHEMATHESIS_HOOKS).

- Each operation gets the bearer token of the first role its document allows
  (``x-roles``; .local/tokens/<role>.jwt, written by ``make up``).
- Requests come from 127.0.0.2, not 127.0.0.1: status counts failed lookups per client
  address for 15 minutes, and thousands of fuzzed lookups must not throttle the other
  tiers' citizens (all 127.0.0.1). schemathesis has no option for a source address, so
  requests' adapter is given one here.
- A fuzzed calendar edit always carries a version no table has, so it is parsed and
  checked in full but never replaces the operator's table other tests count on.
"""
from __future__ import annotations

import os
from pathlib import Path

import schemathesis
from requests.adapters import HTTPAdapter

TOKENS = Path(__file__).resolve().parents[2] / ".local" / "tokens"
SOURCE_ADDRESS = os.environ.get("DELOVOD_FUZZ_SOURCE", "127.0.0.2")
NEVER_A_VERSION = 10**12

_init_poolmanager = HTTPAdapter.init_poolmanager


def _from_source(self, *args, **kwargs):
    kwargs.setdefault("source_address", (SOURCE_ADDRESS, 0))
    return _init_poolmanager(self, *args, **kwargs)


HTTPAdapter.init_poolmanager = _from_source


def _role(case) -> str | None:
    roles = case.operation.definition.raw.get("x-roles")
    return roles[0] if roles else None


@schemathesis.auth(refresh_interval=None)
class StaffToken:
    """The operation's own role's token (none for public operations)."""

    def get(self, case, ctx):
        role = _role(case)
        return (TOKENS / f"{role}.jwt").read_text().strip() if role else None

    def set(self, case, data, ctx):
        if data:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook("map_body").apply_to(method="PUT", path="/api/v1/calendar/exceptions")
def stale_calendar_edit(context, body):
    if isinstance(body, dict) and "version" in body:
        return {**body, "version": NEVER_A_VERSION}
    return body
