"""Wait until a TCP port answers (``python waitport.py HOST:PORT [TIMEOUT_S]``)."""
import socket
import sys
import time


def wait(host: str, port: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


if __name__ == "__main__":
    host, port = sys.argv[1].rsplit(":", 1)
    sys.exit(0 if wait(host, int(port), float(sys.argv[2]) if len(sys.argv) > 2 else 60) else 1)
