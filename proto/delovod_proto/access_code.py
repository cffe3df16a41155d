"""The access-code hash format, part of the contract of ``DocumentRegistered.access_code_hash``.
Registry writes it, status checks it.

``hmac_sha256$<key id>$<salt hex>$<digest hex>``: HMAC-SHA256 of salt and code under a
secret key that lives in both services' settings and never in a database (a "pepper",
OWASP Password Storage Cheat Sheet). Why not a slow hash: an 8-digit code has 27 bits, so
no affordable work factor stops an offline attacker who holds the hash (PBKDF2 at 25,000
iterations: minutes on one GPU), while a keyed hash cannot be checked at all without the
key. It also costs microseconds instead of ~14 ms of CPU per registration. The key id
allows rotation: the first key signs, every listed key verifies.

Hashes of the earlier format ``pbkdf2_sha256$<iterations>$<salt hex>$<digest hex>`` still
verify, so cases registered before the change keep working.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Optional

_KEY_LINE = re.compile(r"^([A-Za-z0-9_-]{1,32})\s+([0-9a-fA-F]{64,})$")


@dataclass(frozen=True)
class AccessCodeKeys:
    """Keys by id; ``current`` signs new hashes."""

    current: str
    keys: dict[str, bytes]

    @classmethod
    def parse(cls, text: str) -> "AccessCodeKeys":
        """One key per line, ``<id> <hex, at least 32 bytes>``; the first line signs."""
        keys: dict[str, bytes] = {}
        for n, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            match = _KEY_LINE.match(line)
            if not match:
                raise ValueError(f"access-code key file, line {n}: expected '<id> <64+ hex digits>'")
            keys.setdefault(match.group(1), bytes.fromhex(match.group(2)))
        if not keys:
            raise ValueError("access-code key file holds no key")
        return cls(next(iter(keys)), keys)

    @classmethod
    def generate(cls, key_id: str = "k1") -> str:
        """The text of a new key file."""
        return f"{key_id} {secrets.token_hex(32)}\n"


def _mac(key: bytes, salt: bytes, code: str) -> str:
    return hmac.new(key, salt + code.encode(), hashlib.sha256).hexdigest()


def hash_access_code(code: str, keys: AccessCodeKeys, salt: Optional[bytes] = None) -> str:
    salt = salt or secrets.token_bytes(16)
    return f"hmac_sha256${keys.current}${salt.hex()}${_mac(keys.keys[keys.current], salt, code)}"


def verify_access_code(code: str, stored: str, keys: AccessCodeKeys) -> bool:
    try:
        scheme, param, salt_hex, digest = stored.split("$")
        salt = bytes.fromhex(salt_hex)
        if scheme == "hmac_sha256":
            key = keys.keys.get(param)
            if key is None:
                return False
            candidate = _mac(key, salt, code)
        elif scheme == "pbkdf2_sha256":
            candidate = hashlib.pbkdf2_hmac("sha256", code.encode(), salt, int(param)).hex()
        else:
            return False
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate, digest)
