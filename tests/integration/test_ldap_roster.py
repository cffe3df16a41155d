"""The officials' roster read from the real slapd (deploy/local/ldap, seeded with the demo
directory) with the signing-in person's own bind: the members of the officials group with the
name, phone, mail and unit the directory holds; a refused sign-in reads nothing."""
import pytest

from desk.adapters.ldap_directory import LdapDirectory
from desk.adapters.memory import MemoryRoster
from desk.domain.people import Official
from desk.service_layer.ports import SignInRefused
from desk.settings import DeskSettings
from tests.integration.test_ldap_directory import directory  # noqa: F401  (the fixture: slapd must answer)

pytestmark = pytest.mark.integration


def with_roster(directory, roster) -> LdapDirectory:  # noqa: F811
    return LdapDirectory(DeskSettings().ldap_url, directory.bind_name,
                         directory.users_base, directory.username_attribute, directory.groups_base,
                         directory.role_groups, 5.0, roster)


def test_a_sign_in_refreshes_the_officials_from_the_directory(directory):  # noqa: F811
    roster = MemoryRoster([Official("gone", "Напуснал служител")])
    with_roster(directory, roster).authenticate("ivana", "ivana-demo-2026")  # a clerk's bind reads them too
    assert roster.officials() == [
        Official("stoyan", "Стоян Георгиев", "Дирекция „Екология“", "+359 32 656 701", "s.georgiev@plovdiv.example.bg"),
        Official("elena", "Елена Маринова", "Дирекция „Строителство и благоустройство“", "+359 32 656 702",
                 "e.marinova@plovdiv.example.bg")]


def test_a_refused_sign_in_leaves_the_roster_as_it_was(directory):  # noqa: F811
    roster = MemoryRoster([Official("stoyan", "Стоян Георгиев")])
    with pytest.raises(SignInRefused):
        with_roster(directory, roster).authenticate("ivana", "wrong-password")
    assert roster.officials() == [Official("stoyan", "Стоян Георгиев")]
