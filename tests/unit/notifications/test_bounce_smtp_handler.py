"""The bounce receiver's SMTP handler, without a network: it answers 250 only after the
bounces are handed on, 451 (try again later) when they could not be, cuts what is too long
and says so, and takes only recipients shaped as our bounce addresses, five at most."""
import asyncio
import base64
from types import SimpleNamespace

from notifications.entrypoints.bounces import BounceHandler


def envelope(content: bytes, *rcpts: str):
    return SimpleNamespace(original_content=content, mail_from="<>", rcpt_tos=list(rcpts))


def session():
    return SimpleNamespace(peer=("192.0.2.25", 40000))


def test_each_bounce_address_is_handed_on_before_the_answer():
    handed = []
    handler = BounceHandler(handed.extend, "bounces.plovdiv.bg", 16384)
    answer = asyncio.run(handler.handle_DATA(None, session(), envelope(b"Subject: x\r\n\r\nbody", "bounces+a.b@bounces.plovdiv.bg",
                                                                        "bounces+c.d@bounces.plovdiv.bg")))
    assert answer.startswith("250 ")
    assert [b.recipient for b in handed] == ["bounces+a.b@bounces.plovdiv.bg", "bounces+c.d@bounces.plovdiv.bg"]
    assert all(b.mail_from == "" and b.remote == "192.0.2.25" and not b.truncated for b in handed)


def test_nothing_handed_on_means_try_again_later_not_accepted():
    def down(bounces):
        raise ConnectionError("kafka is down")
    answer = asyncio.run(BounceHandler(down, "bounces.plovdiv.bg", 16384).handle_DATA(
        None, session(), envelope(b"x", "bounces+a.b@bounces.plovdiv.bg")))
    assert answer.startswith("451 4.3.0")


def test_a_long_message_is_cut_and_marked():
    handed = []
    raw = b"Subject: x\r\n\r\n" + b"a" * 20000
    asyncio.run(BounceHandler(handed.extend, "bounces.plovdiv.bg", 16384).handle_DATA(
        None, session(), envelope(raw, "bounces+a.b@bounces.plovdiv.bg")))
    assert handed[0].truncated and handed[0].size == len(raw)
    assert base64.b64decode(handed[0].message_b64) == raw[:16384]


A = "bounces+0d3c3a66-1f0e-4b7e-9a55-6c1f2e0b7a10.abcdefghij@bounces.plovdiv.BG"


def rcpt(handler, env, address):
    return asyncio.run(handler.handle_RCPT(None, session(), env, address, {}))


def test_only_bounce_addresses_of_the_bounce_domain_are_taken():
    handler = BounceHandler(list, "Bounces.Plovdiv.bg", 16384)
    env = envelope(b"")
    assert rcpt(handler, env, A).startswith("250")
    assert rcpt(handler, env, "mayor@plovdiv.bg").startswith("550")
    # other names of the bounce domain (spam, a person writing to it) are never kept
    for other in ("postmaster@bounces.plovdiv.bg", "bounces@bounces.plovdiv.bg", "bounces+x@bounces.plovdiv.bg",
                  "bounces+a.b@bounces.plovdiv.bg", "other+0d3c.abcdefghij@bounces.plovdiv.bg",
                  "bounces+0d3c.abcdefgh1j@bounces.plovdiv.bg"):
        assert rcpt(handler, env, other).startswith("550"), other
    assert env.rcpt_tos == [A]


def test_a_message_to_many_bounce_addresses_is_refused_past_five():
    handler, env = BounceHandler(list, "bounces.plovdiv.bg", 16384), envelope(b"")
    answers = [rcpt(handler, env, A.replace("0d3c3a66", f"0d3c3a6{n}")) for n in range(7)]
    assert [a[:3] for a in answers] == ["250"] * 5 + ["452"] * 2 and len(env.rcpt_tos) == 5
