"""The municipality's directory over LDAP (ldap3): a simple bind as the person, then their
groups and display name read with that same bind (no service account to keep a password for).

Every refusal of the bind (wrong password, no such entry, an account the directory's password
policy has locked) is LDAP's invalidCredentials, and all become SignInRefused; only a directory
that does not answer is Unavailable."""
from __future__ import annotations

import logging

from ldap3 import Connection, Server
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from servicekit import logs

from ..domain.people import Person, role_from_groups
from ..service_layer.ports import SignInRefused, Unavailable

log = logging.getLogger(__name__)


class LdapDirectory:
    def __init__(self, url: str, user_dn: str, groups_base: str, role_groups: dict[str, str], timeout_s: float = 5.0):
        self.server = Server(url, connect_timeout=timeout_s)
        self.user_dn, self.groups_base = user_dn, groups_base
        self.role_groups, self.timeout_s = role_groups, timeout_s

    def authenticate(self, username: str, password: str) -> Person:
        if not password:  # an empty password is an unauthenticated bind, which many directories accept
            raise SignInRefused()
        dn = self.user_dn.format(username=escape_rdn(username))
        conn = Connection(self.server, user=dn, password=password, receive_timeout=max(1, round(self.timeout_s)),  # ldap3 packs it as an integer
                          raise_exceptions=False, read_only=True)
        try:
            if not conn.bind():
                logs.event(log, "signin_refused_by_directory", result=conn.result.get("description"))
                raise SignInRefused()
            groups = self._groups(conn, dn)
            name = self._display_name(conn, dn) or username
        except ldap_errors.LDAPException as exc:  # the socket: refused, reset, timed out
            raise Unavailable("directory") from exc
        finally:
            conn.unbind()
        role = role_from_groups(groups, self.role_groups)
        if role is None:  # in the directory, but in no role group: no access, and the same answer
            logs.event(log, "signin_without_role", groups=len(groups))
            raise SignInRefused()
        return Person(uid=username, name=name, role=role)

    def _groups(self, conn: Connection, dn: str) -> list[str]:
        conn.search(self.groups_base, f"(&(objectClass=groupOfNames)(member={escape_filter_chars(dn)}))",
                    attributes=["cn"])
        return [str(e.cn.value) for e in conn.entries]

    def _display_name(self, conn: Connection, dn: str) -> str:
        conn.search(dn, "(objectClass=*)", search_scope="BASE", attributes=["displayName", "cn"])
        if not conn.entries:
            return ""
        entry = conn.entries[0]
        for attribute in ("displayName", "cn"):
            if attribute in entry and entry[attribute].value:
                value = entry[attribute].value
                return str(value[0] if isinstance(value, list) else value)
        return ""
