"""The municipality's directory over LDAP (ldap3): a simple bind as the person (a DN template
for OpenLDAP, ``{username}@domain`` for Active Directory), then, with that same bind, their entry
found by the username attribute (``uid``; ``sAMAccountName`` in AD) for its DN and display name,
and the role groups that list that DN as a member (groupOfNames; AD's ``group``). No service
account, so no password of the desk's own to keep.

With the same bind, each sign-in also reads the officials (the members of the groups that give
the official role: name, ``telephoneNumber``, ``mail``, unit from ``ou``, else ``departmentNumber``
or AD's ``department``) into the roster that the case page's assignment offers: the directory as
the last person who signed in saw it, again without an account of the desk's own.

Every refusal of the bind (wrong password, no such entry, an account the directory's password
policy has locked) is LDAP's invalidCredentials, and all become SignInRefused; only a directory
that does not answer is Unavailable.
"""
from __future__ import annotations

import logging

from ldap3 import NONE, Connection, Server
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from servicekit import logs

from ..domain.people import Official, Person, role_from_groups
from ..service_layer.ports import SignInRefused, Unavailable

log = logging.getLogger(__name__)


class LdapDirectory:
    def __init__(self, url: str, bind_name: str, users_base: str, username_attribute: str, groups_base: str,
                 role_groups: dict[str, str], timeout_s: float = 5.0, roster=None):
        self.server = Server(url, connect_timeout=timeout_s, get_info=NONE)  # no schema read: filters name AD's classes too
        self.bind_name, self.users_base, self.username_attribute = bind_name, users_base, username_attribute
        self.groups_base, self.role_groups, self.timeout_s = groups_base, role_groups, timeout_s
        self.roster = roster  # a RosterStore to refresh on each sign-in, or None

    def authenticate(self, username: str, password: str) -> Person:
        if not password:  # an empty password is an unauthenticated bind, which many directories accept
            raise SignInRefused()
        conn = Connection(self.server, user=self.bind_name.format(username=escape_rdn(username)), password=password,
                          receive_timeout=max(1, round(self.timeout_s)),  # ldap3 packs it as an integer
                          raise_exceptions=False, read_only=True)
        try:
            if not conn.bind():
                logs.event(log, "signin_refused_by_directory", result=conn.result.get("description"))
                raise SignInRefused()
            dn, name = self._entry(conn, username)
            groups = self._groups(conn, dn) if dn else []
            if self.roster is not None and role_from_groups(groups, self.role_groups):
                self._refresh_roster(conn)
        except (ldap_errors.LDAPSocketOpenError, ldap_errors.LDAPCommunicationError) as exc:  # refused, reset, timed out
            raise Unavailable("directory") from exc
        finally:
            conn.unbind()
        role = role_from_groups(groups, self.role_groups)
        if role is None:  # in the directory, but in no role group: no access, and the same answer
            logs.event(log, "signin_without_role", groups=len(groups))
            raise SignInRefused()
        return Person(uid=username, name=name or username, role=role)

    def _entry(self, conn: Connection, username: str) -> tuple[str, str]:
        """The person's DN and display name (displayName, else cn); ("", "") if not found."""
        conn.search(self.users_base, f"({self.username_attribute}={escape_filter_chars(username)})",
                    attributes=["displayName", "cn"], size_limit=2)
        if len(conn.entries) != 1:
            return "", ""
        entry = conn.entries[0]
        for attribute in ("displayName", "cn"):
            if attribute in entry and entry[attribute].value:
                value = entry[attribute].value
                return entry.entry_dn, str(value[0] if isinstance(value, list) else value)
        return entry.entry_dn, ""

    def _groups(self, conn: Connection, dn: str) -> list[str]:
        conn.search(self.groups_base,
                    f"(&(|(objectClass=groupOfNames)(objectClass=group))(member={escape_filter_chars(dn)}))",
                    attributes=["cn"])
        return [str(e.cn.value) for e in conn.entries]

    UNIT_ATTRIBUTES = ("ou", "departmentNumber", "department")

    def _refresh_roster(self, conn: Connection) -> None:
        """The officials, read with the signed-in person's bind. A directory that refuses
        the read (rights, size limits) keeps the roster as it was: the sign-in goes on."""
        try:
            officials = self._officials(conn)
        except ldap_errors.LDAPException as exc:
            logs.event(log, "roster_not_read", logging.WARNING, error=type(exc).__name__)
            return
        if officials:
            self.roster.replace(officials)

    def _officials(self, conn: Connection) -> list[Official]:
        groups = [g for g, role in self.role_groups.items() if role == "official"]
        if not groups:
            return []
        wanted = "".join(f"(cn={escape_filter_chars(g)})" for g in groups)
        conn.search(self.groups_base, f"(&(|(objectClass=groupOfNames)(objectClass=group))(|{wanted}))",
                    attributes=["member"])
        members = {str(m).lower() for e in conn.entries for m in (e.member.values if "member" in e else [])}
        attributes = [self.username_attribute, "displayName", "cn", "telephoneNumber", "mail", *self.UNIT_ATTRIBUTES]
        entries = conn.extend.standard.paged_search(self.users_base, "(objectClass=*)", attributes=attributes,
                                                    paged_size=500, generator=True)
        found = [_official(e["attributes"], self.username_attribute) for e in entries
                 if e.get("type") == "searchResEntry" and e["dn"].lower() in members]
        return sorted((o for o in found if o), key=lambda o: (o.unit or "", o.name))


def _first(attributes: dict, *names: str):
    for name in names:
        value = attributes.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        if value:
            return str(value)
    return None


def _official(attributes: dict, username_attribute: str):
    username = _first(attributes, username_attribute)
    if not username:
        return None
    return Official(username, _first(attributes, "displayName", "cn") or username,
                    _first(attributes, *LdapDirectory.UNIT_ATTRIBUTES), _first(attributes, "telephoneNumber"),
                    _first(attributes, "mail"))
