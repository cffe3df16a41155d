"""Who is signed in: a person from the directory and the role their groups give them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

# The strongest first: a person in several role groups acts with the strongest.
ROLE_ORDER = ("admin", "official", "clerk")
ROLE_LABELS_BG = {"clerk": "деловодител", "official": "служител", "admin": "администратор"}
# A directory username as people type it (sAMAccountName / uid): anything else is refused
# before it reaches the directory, with the same answer as a wrong password.
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Person:
    """A signed-in member of staff, as the services see them (token subject, name, role)."""

    uid: str
    name: str
    role: str

    @property
    def may_change_stages(self) -> bool:
        return self.role in ("official", "admin")

    @property
    def may_operate(self) -> bool:
        """Dead letters and their replay: the operators (admins) only."""
        return self.role == "admin"

    @property
    def may_edit_catalogue(self) -> bool:
        """A catalogue change moves every later case's fee and term: admins only (as the catalogue's API)."""
        return self.role == "admin"

    @property
    def may_edit_stage_sets(self) -> bool:
        """Stage sets decide what every later case may go through and what citizens read: admins only (as status's API)."""
        return self.role == "admin"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS_BG[self.role]


@dataclass(frozen=True)
class Official:
    """A member of staff a case can be assigned to, as the directory names them: what the
    citizen's letters and status page print (Client Charter: name, phone, email)."""

    username: str
    name: str
    unit: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None

    def wire(self) -> dict:
        """As status's ``Official`` (delovod_proto.events), empty fields left out."""
        return {k: v for k, v in vars(self).items() if v}


def parse_role_groups(spec: str) -> dict[str, str]:
    """``"clerks=clerk,officials=official"`` -> ``{"clerks": "clerk", ...}`` (group names lower-cased)."""
    mapping = {}
    for pair in filter(None, (p.strip() for p in spec.split(","))):
        group, _, role = pair.partition("=")
        if role.strip() not in ROLE_ORDER:
            raise ValueError(f"unknown role {role!r} in {spec!r}")
        mapping[group.strip().lower()] = role.strip()
    return mapping


def role_from_groups(groups: Iterable[str], mapping: dict[str, str]) -> Optional[str]:
    """The strongest role any of ``groups`` gives, or None (no role: no access)."""
    roles = {mapping.get(g.lower()) for g in groups}
    return next((r for r in ROLE_ORDER if r in roles), None)


def plausible_username(username: str) -> bool:
    return bool(USERNAME.fullmatch(username))
