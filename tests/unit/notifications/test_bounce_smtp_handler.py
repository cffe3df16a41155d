"""The bounce receiver's SMTP handler, without a network: it answers 250 only after the
bounces are handed on, 451 (try again later) when they could not be, cuts what is too long
and says so, and takes recipients of the bounce domain only."""
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


def test_only_the_bounce_domain_is_taken():
    handler = BounceHandler(list, "Bounces.Plovdiv.bg", 16384)
    env = envelope(b"")
    assert asyncio.run(handler.handle_RCPT(None, session(), env, "bounces+a.b@bounces.plovdiv.BG", {})).startswith("250")
    assert asyncio.run(handler.handle_RCPT(None, session(), env, "mayor@plovdiv.bg", {})).startswith("550")
    assert env.rcpt_tos == ["bounces+a.b@bounces.plovdiv.BG"]
