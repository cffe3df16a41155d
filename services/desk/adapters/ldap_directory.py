"""The municipality's directory over LDAP (ldap3): a simple bind as the person (a DN template
for OpenLDAP, ``{username}@domain`` for Active Directory), then, with that same bind, their entry
found by the username attribute (``uid``; ``sAMAccountName`` in AD) for its DN and display name,
and the role groups that list that DN as a member (groupOfNames; AD's ``group``). No service
account, so no password of the desk's own to keep.

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

from ..domain.people import Person, role_from_groups
from ..service_layer.ports import SignInRefused, Unavailable

log = logging.getLogger(__name__)


class LdapDirectory:
    def __init__(self, url: str, bind_name: str, users_base: str, username_attribute: str, groups_base: str,
                 role_groups: dict[str, str], timeout_s: float = 5.0):
        self.server = Server(url, connect_timeout=timeout_s, get_info=NONE)  # no schema read: filters name AD's classes too
        self.bind_name, self.users_base, self.username_attribute = bind_name, users_base, username_attribute
        self.groups_base, self.role_groups, self.timeout_s = groups_base, role_groups, timeout_s

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
