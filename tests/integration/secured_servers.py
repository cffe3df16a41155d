"""Throwaway certificates (openssl) and secured servers on 127.0.0.1 for the tests of
secured connections: each test starts its own server, so nothing of the stack changes."""
from __future__ import annotations

import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / ".local"


@dataclass
class Certs:
    ca: Path            # the CA that signed the server's certificate (clients trust it)
    other_ca: Path      # a CA that signed nothing of the server's (clients must refuse the server)
    server_cert: Path
    server_key: Path
    server_pem: Path    # certificate and key in one file
    server_p12: Path    # PKCS#12 keystore (Kafka), password PASSWORD
    client_pem: Path    # a client certificate signed by the CA, with its key (mutual TLS)
    PASSWORD = "keystore-pass"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certs(folder: Path) -> Certs:
    """A CA, a server certificate for 127.0.0.1/localhost signed by it, and an unrelated CA."""
    folder.mkdir(parents=True, exist_ok=True)
    for ca in ("ca", "other-ca"):
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN=delovod test {ca}",
                 "-keyout", f"{ca}.key", "-out", f"{ca}.crt", cwd=folder)
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key",
             "-out", "server.csr", cwd=folder)
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "2", "-extfile", "san.ext", "-out", "server.crt", cwd=folder)
    (folder / "server.pem").write_bytes((folder / "server.crt").read_bytes() + (folder / "server.key").read_bytes())
    _openssl("pkcs12", "-export", "-in", "server.crt", "-inkey", "server.key", "-name", "server",
             "-passout", f"pass:{Certs.PASSWORD}", "-out", "server.p12", cwd=folder)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=delovod-client", "-keyout", "client.key",
             "-out", "client.csr", cwd=folder)
    _openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "2", "-out", "client.crt", cwd=folder)
    (folder / "client.pem").write_bytes((folder / "client.crt").read_bytes() + (folder / "client.key").read_bytes())
    return Certs(folder / "ca.crt", folder / "other-ca.crt", folder / "server.crt", folder / "server.key",
                 folder / "server.pem", folder / "server.p12", folder / "client.pem")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, process: subprocess.Popen, log: Path, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"port {port} not open within {timeout_s:g} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# --- Kafka: one KRaft node whose clients' listener is SASL_SSL with SCRAM-SHA-512 -------------

KAFKA_LIBS = LOCAL / "kafka" / "libs"


def kafka_properties(folder: Path, certs: Certs, port: int, controller: int) -> Path:
    props = folder / "server.properties"
    props.write_text(f"""process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{controller}
listeners=SECURED://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}
advertised.listeners=SECURED://127.0.0.1:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=SECURED
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SECURED:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.secured.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="broker-secret";
ssl.keystore.type=PKCS12
ssl.keystore.location={certs.server_p12}
ssl.keystore.password={Certs.PASSWORD}
ssl.truststore.type=PEM
ssl.truststore.location={certs.ca}
ssl.endpoint.identification.algorithm=https
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.dirs={folder / "data"}
""")
    return props


def start_kafka(folder: Path, certs: Certs, users: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """A SASL_SSL broker with SCRAM-SHA-512 users ``{name: password}`` (and its own)."""
    port, controller = free_port(), free_port()
    props = kafka_properties(folder, certs, port, controller)
    classpath = str(KAFKA_LIBS / "*")
    scram = [arg for name, password in {"broker": "broker-secret", **users}.items()
             for arg in ("--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]")]
    subprocess.run(["java", "-cp", classpath, "kafka.tools.StorageTool", "format", "-t", uuid.uuid4().hex[:22],
                    "-c", str(props), *scram], check=True, capture_output=True, timeout=120)
    log = folder / "kafka.log"
    process = subprocess.Popen(
        ["java", "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath,
         f"-Dlog4j2.configurationFile={ROOT / 'deploy/local/kafka/log4j2.properties'}", "kafka.Kafka", str(props)],
        stdout=log.open("wb"), stderr=subprocess.STDOUT)
    wait_port(port, process, log)
    return process, port


# --- FerretDB (the stack's build) with only a TLS listener ------------------------------------

def start_ferretdb(folder: Path, certs: Certs, client_ca: bool = False) -> tuple[subprocess.Popen, int]:
    """``client_ca``: require client certificates signed by the CA (mutual TLS)."""
    port, log = free_port(), folder / "ferretdb.log"
    args = [str(LOCAL / "bin" / "ferretdb"), "-listen", "", "-dir", str(folder / "data"),
            "-tls-listen", f"127.0.0.1:{port}", "-tls-cert", str(certs.server_cert), "-tls-key", str(certs.server_key)]
    process = subprocess.Popen(args + (["-tls-ca", str(certs.ca)] if client_ca else []),
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    wait_port(port, process, log, timeout_s=30)
    return process, port


# --- SMTP: aiosmtpd that requires STARTTLS, then AUTH, before it takes a message ------------

def start_smtp(folder: Path, certs: Certs, username: str, password: str) -> tuple[subprocess.Popen, int, Path]:
    """A relay in a process of its own (aiosmtpd's asyncio thread and the tests' eventlet do
    not share a process well); the messages it takes are written to the returned folder."""
    import sys

    port, inbox = free_port(), folder / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    log = folder / "smtp.log"
    process = subprocess.Popen([sys.executable, __file__, "smtp", str(port), str(certs.server_cert),
                                str(certs.server_key), username, password, str(inbox)],
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    wait_port(port, process, log, timeout_s=30)
    return process, port, inbox


def _serve_smtp(port: str, cert: str, key: str, username: str, password: str, inbox: str) -> None:
    import ssl
    import threading

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            name = f"{time.time_ns()}.eml"
            Path(inbox, name).write_bytes(envelope.original_content)
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == username \
            and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller = Controller(Keep(), hostname="127.0.0.1", port=int(port), tls_context=context, require_starttls=True,
                            auth_required=True, auth_require_tls=True, authenticator=authenticator)
    controller.start()
    threading.Event().wait()


if __name__ == "__main__":
    import sys

    if sys.argv[1] == "smtp":
        _serve_smtp(*sys.argv[2:])
