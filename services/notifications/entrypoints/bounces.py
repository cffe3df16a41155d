"""``python -m notifications.entrypoints.bounces``: the bounce receiver. An SMTP server (aiosmtpd)
for the bounce domain: the municipality's MX (or its relay) delivers to it every mail sent to
an email's envelope sender (``bounces+<id>.<tag>@<bounce domain>``), delivery status
notifications above all.

It loses nothing and judges nothing: a message is answered 250 only once it is on Kafka
(``BounceReceived``, acknowledged by every in-sync replica), one per bounce address it was
sent to; if Kafka cannot take it, the answer is 451 and the sending server tries again
later, as SMTP servers do. Whether it is a DSN, and of which notification, is decided by
the notifications service's consumer (service_layer/bounces.py), where a mistake ends in a
dead letter that can be replayed, never in a lost bounce. Recipients outside the bounce
domain, or not shaped as our bounce addresses, are refused (550): it relays nothing and keeps
no other mail to the domain; at most 5 recipients and 4 × ``bounce_max_bytes`` a message."""
from __future__ import annotations

import asyncio
import base64
import datetime as dt
import logging
import re
import signal
from typing import Callable, Iterable

from aiosmtpd.smtp import SMTP

from delovod_proto import topics
from delovod_proto.envelope import Envelope
from delovod_proto.events import BounceReceived
from servicekit import logs

log = logging.getLogger(__name__)


MAX_RECIPIENTS = 5  # a DSN goes to one envelope sender; a few for MTAs that batch, never hundreds


class BounceHandler:
    """aiosmtpd's handler: RCPT checks the address's shape, DATA publishes, then answers."""

    def __init__(self, publish: Callable[[list[BounceReceived]], None], domain: str, max_bytes: int,
                 local_part: str = "bounces"):
        self.publish, self.domain, self.max_bytes = publish, domain.lower(), max_bytes
        # <local part>+<notification id>.<10 base32 characters>@<domain> (domain/verp.py), the case
        # folded; the tag is checked by the consumer, which holds the key: this process has none
        self.shape = re.compile(rf"{re.escape(local_part.lower())}\+[0-9a-z-]{{1,60}}\.[a-z2-7]{{10}}"
                                rf"@{re.escape(self.domain)}", re.ASCII)

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options):
        if address.rpartition("@")[2].lower() != self.domain:
            return "550 5.1.1 Not a bounce address of this server"
        if not self.shape.fullmatch(address.strip("<>").lower()):
            return "550 5.1.1 No such bounce address"  # mail to other names of the domain: not kept
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw: bytes = envelope.original_content or b""
        now = dt.datetime.now(dt.timezone.utc)
        remote = f"{session.peer[0]}" if isinstance(session.peer, tuple) else None
        kept = raw[:self.max_bytes]
        sender = (envelope.mail_from or "").strip("<>")  # the null sender "<>" of a DSN is ""
        bounces = [BounceReceived(recipient=rcpt[:320], mail_from=sender[:320], received_at=now,
                                  remote=remote, message_b64=base64.b64encode(kept).decode(), size=len(raw),
                                  truncated=len(kept) < len(raw)) for rcpt in envelope.rcpt_tos]
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.publish, bounces)
        except Exception as exc:  # Kafka down or slow: the sending server keeps it and tries again
            logs.event(log, "bounce_not_stored", logging.ERROR, error=repr(exc)[:300], recipients=len(bounces))
            return "451 4.3.0 Not stored now, please try again later"
        logs.event(log, "bounce_received", recipients=len(bounces), size=len(raw), truncated=len(kept) < len(raw))
        return "250 2.0.0 Accepted"


def kafka_publisher(producer) -> Callable[[Iterable[BounceReceived]], None]:
    """Publish and wait for the broker's acknowledgement of each (keyed by bounce address)."""
    from servicekit.kafka import send_envelopes

    def publish(bounces: Iterable[BounceReceived]) -> None:
        send_envelopes(producer, [(topics.NOTIFICATIONS_BOUNCES, Envelope.wrap(
            b, source="notifications", correlation_id=b.recipient.lower()), b.recipient.lower()) for b in bounces])
    return publish


async def serve(handler: BounceHandler, host: str, port: int, max_bytes: int, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    # a returned original may be larger than what is kept; up to four times that is read (and cut),
    # a larger message refused (552): each session holds at most that much, times MAX_RECIPIENTS copies kept
    server = await loop.create_server(lambda: SMTP(handler, data_size_limit=4 * max_bytes,
                                                   enable_SMTPUTF8=True, ident="delovod bounce receiver"), host, port)
    logs.event(log, "bounce_receiver_started", host=host, port=port)
    await stop.wait()
    server.close()
    await server.wait_closed()


def main() -> None:
    from servicekit.kafka import make_producer

    from ..settings import NotificationsSettings

    settings = NotificationsSettings()
    logs.configure(settings.kit.log_level)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per connection and command
    producer = make_producer(settings.kit.kafka_bootstrap, settings.kit)
    handler = BounceHandler(kafka_publisher(producer), settings.bounce_domain, settings.bounce_max_bytes,
                            settings.bounce_local_part)

    async def run() -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await serve(handler, settings.bounce_host, settings.bounce_port, settings.bounce_max_bytes, stop)

    try:
        asyncio.run(run())
    finally:
        producer.close(timeout=5)


if __name__ == "__main__":
    main()
