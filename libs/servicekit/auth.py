"""Staff tokens: HS256 JWTs (PyJWT) with a role; citizens never log in."""
from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from .http import Problem

ROLES = ("clerk", "official", "admin")
ISSUER = "delovod"


@dataclass(frozen=True)
class Principal:
    subject: str
    name: str
    role: str


def issue_token(secret: bytes, subject: str, name: str, role: str, ttl_s: int = 30 * 86400) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role}")
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": subject, "name": name, "role": role, "iat": now, "exp": now + ttl_s}
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_token(secret: bytes, token: str) -> Principal:
    claims = jwt.decode(token, secret, algorithms=["HS256"], issuer=ISSUER,
                        options={"require": ["exp", "sub", "role"]})
    if claims["role"] not in ROLES:
        raise jwt.InvalidTokenError("unknown role")
    return Principal(claims["sub"], claims.get("name", claims["sub"]), claims["role"])


def authenticate(request, secret: bytes, allowed: tuple[str, ...] = ROLES) -> Principal:
    """The request's principal, or a 401/403 :class:`Problem` in Bulgarian."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Problem(401, "Unauthorized", "Необходим е служебен токен (Authorization: Bearer ...).")
    try:
        principal = verify_token(secret, header[7:].strip())
    except jwt.InvalidTokenError:
        raise Problem(401, "Unauthorized", "Токенът е невалиден или изтекъл.")
    if principal.role not in allowed:
        raise Problem(403, "Forbidden", "Ролята ви няма право на това действие.")
    return principal
