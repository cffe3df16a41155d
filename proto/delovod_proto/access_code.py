"""The access-code hash format, part of the contract of ``DocumentRegistered.access_code_hash``:
``pbkdf2_sha256$<iterations>$<salt hex>$<digest hex>``. Registry writes it, status checks it."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Optional

# The hash never leaves delovod (events are internal); an 8-digit code cannot resist an
# offline attacker at any affordable cost, so the cost only needs to make a leaked
# database expensive to sweep, and online guessing is what the lookup must limit.
# See docs/decisions.md ("Access codes").
PBKDF2_ITERATIONS = 25_000


def hash_access_code(code: str, salt: Optional[bytes] = None, iterations: int = PBKDF2_ITERATIONS) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", code.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def verify_access_code(code: str, stored: str) -> bool:
    try:
        _, iterations, salt, digest = stored.split("$")
        candidate = hashlib.pbkdf2_hmac("sha256", code.encode(), bytes.fromhex(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate.hex(), digest)
