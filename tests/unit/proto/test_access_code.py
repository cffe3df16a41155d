"""The access-code hash: keyed, rotatable, and the earlier PBKDF2 format still verifies."""
import hashlib

import pytest

from delovod_proto.access_code import AccessCodeKeys, hash_access_code, verify_access_code

OLD, NEW = "old " + "11" * 32, "new " + "22" * 32


def test_hash_verifies_only_the_right_code_under_a_known_key():
    keys = AccessCodeKeys.parse(OLD)
    stored = hash_access_code("12345678", keys)
    assert stored.startswith("hmac_sha256$old$") and "12345678" not in stored
    assert verify_access_code("12345678", stored, keys)
    assert not verify_access_code("12345679", stored, keys)
    assert not verify_access_code("12345678", stored, AccessCodeKeys.parse("old " + "33" * 32))
    assert hash_access_code("12345678", keys) != stored  # salted


def test_rotation_signs_with_the_first_key_and_verifies_with_all():
    before = hash_access_code("00000001", AccessCodeKeys.parse(OLD))
    rotated = AccessCodeKeys.parse(f"# rotated 2026-11-25\n{NEW}\n{OLD}\n")
    assert rotated.current == "new" and hash_access_code("00000002", rotated).startswith("hmac_sha256$new$")
    assert verify_access_code("00000001", before, rotated)
    assert not verify_access_code("00000001", before, AccessCodeKeys.parse(NEW))  # retired key


def test_earlier_pbkdf2_hashes_still_verify():
    salt = bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", b"87654321", salt, 1000).hex()
    stored = f"pbkdf2_sha256$1000${salt.hex()}${digest}"
    assert verify_access_code("87654321", stored, AccessCodeKeys.parse(NEW))
    assert not verify_access_code("87654320", stored, AccessCodeKeys.parse(NEW))


@pytest.mark.parametrize("stored", ["", "x$y", "hmac_sha256$new$zz$00", "md5$1$00$00"])
def test_malformed_hashes_never_verify(stored):
    assert not verify_access_code("12345678", stored, AccessCodeKeys.parse(NEW))


@pytest.mark.parametrize("text", ["", "# only a comment", "k1 abc", "k1 " + "zz" * 32, "bad id! " + "11" * 32])
def test_a_bad_key_file_is_refused_with_its_line(text):
    with pytest.raises(ValueError):
        AccessCodeKeys.parse(text)


def test_generated_key_file_parses():
    keys = AccessCodeKeys.parse(AccessCodeKeys.generate("k7"))
    assert keys.current == "k7" and len(keys.keys["k7"]) == 32
