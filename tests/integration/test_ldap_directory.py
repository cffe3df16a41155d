"""The desk's LDAP adapter against the real OpenLDAP slapd on 127.0.0.1:3890
(deploy/local/ldap/start.sh, seeded with the demo users): roles from the groups, the display
name from the entry, and a wrong password, an unknown user and a locked account all refused
alike; a directory that does not answer is Unavailable, not a refusal."""
import socket

import pytest

from desk.adapters.ldap_directory import LdapDirectory
from desk.domain.people import parse_role_groups
from desk.service_layer.ports import SignInRefused, Unavailable
from desk.settings import DeskSettings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def directory() -> LdapDirectory:
    s = DeskSettings()
    host, port = "127.0.0.1", int(s.ldap_url.rsplit(":", 1)[1])
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as exc:
        pytest.fail(f"slapd does not answer on {s.ldap_url} ({exc}): run deploy/local/ldap/start.sh", pytrace=False)
    return LdapDirectory(s.ldap_url, s.ldap_bind_name, s.ldap_users_base, s.ldap_username_attribute,
                         s.ldap_groups_base, parse_role_groups(s.ldap_role_groups), 5.0)


@pytest.mark.parametrize("username,role,name", [("ivana", "clerk", "Ивана Петрова"),
                                                ("stoyan", "official", "Стоян Георгиев"),
                                                ("maria", "admin", "Мария Димитрова")])
def test_demo_people_sign_in_with_the_role_of_their_group(directory, username, role, name):
    person = directory.authenticate(username, f"{username}-demo-2026")
    assert (person.uid, person.role, person.name) == (username, role, name)


@pytest.mark.parametrize("username,password", [("ivana", "wrong-password"), ("nobody", "nobody-demo-2026"),
                                               ("petar", "petar-demo-2026"), ("ivana", "")])
def test_wrong_password_unknown_user_and_locked_account_are_refused_alike(directory, username, password):
    with pytest.raises(SignInRefused) as refused:
        directory.authenticate(username, password)
    assert type(refused.value) is SignInRefused


def test_a_name_with_dn_syntax_is_escaped_not_interpreted(directory):
    with pytest.raises(SignInRefused):
        directory.authenticate("ivana,ou=people", "ivana-demo-2026")


def test_a_person_in_no_role_group_is_refused_alike(directory):  # the same directory, no group giving a role

    no_roles = LdapDirectory(DeskSettings().ldap_url, directory.bind_name,
                             directory.users_base, directory.username_attribute, directory.groups_base,
                             {"printers": "clerk"}, 5.0)
    with pytest.raises(SignInRefused):
        no_roles.authenticate("ivana", "ivana-demo-2026")


def test_a_directory_that_does_not_answer_is_unavailable():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = LdapDirectory(f"ldap://127.0.0.1:{port}", "uid={username},ou=people,dc=delovod,dc=local",
                         "ou=people,dc=delovod,dc=local", "uid", "ou=groups,dc=delovod,dc=local", {"clerks": "clerk"}, 2.0)
    with pytest.raises(Unavailable):
        dead.authenticate("ivana", "ivana-demo-2026")
