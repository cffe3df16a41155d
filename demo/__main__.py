"""Register a sample paper complaint with a 3-page PDF scan, then show what the citizen
gets: the index and access code (registry), the current stage (status, looked up by
index and code as a citizen would) and the email about it (notifications -> SMTP)."""
from __future__ import annotations

import email
import email.policy
import json
import sys
import time
from pathlib import Path
from urllib.parse import quote

import requests

from .sample_scan import letter_pdf

ROOT = Path(__file__).resolve().parents[1]
REGISTRY, STATUS, CATALOGUE = "http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8004"
MAILDIR = ROOT / ".local" / "mail"


def until(what: str, probe, timeout_s: float = 60.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.25)
    sys.exit(f"[demo] gave up waiting for {what} after {timeout_s:.0f}s (see .local/log/services.log)")


def mail_for(index: str):
    for folder in ("new", "cur"):
        for path in sorted((MAILDIR / folder).glob("*")):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if msg.get("X-Delovod-Case") == index:
                return path, msg
    return None


def main() -> int:
    token = (ROOT / ".local" / "tokens" / "clerk.jwt").read_text().strip()
    metadata = {
        "kind": "complaint", "channel": "counter",
        "subject": "Неработещо улично осветление на ул. „Иван Вазов“",
        "sender": {"type": "person", "name": "Мария Иванова Петрова",
                   "personal_number_kind": "egn", "personal_number": "7501020018",
                   "email": "maria.petrova@example.bg", "phone": "0888123456",
                   "address": "ул. „Иван Вазов“ 10, 4000 Пловдив", "preferred_channel": "email"},
        "pages": 3, "attachments_count": 0,
    }
    scan = letter_pdf(pages=3)
    response = requests.post(f"{REGISTRY}/api/v1/documents", headers={"Authorization": f"Bearer {token}"},
                             data={"metadata": json.dumps(metadata, ensure_ascii=False)},
                             files=[("scan", ("zhalba.pdf", scan, "application/pdf"))], timeout=30)
    if response.status_code != 201:
        sys.exit(f"[demo] registration failed: {response.status_code} {response.text}")
    reg = response.json()
    index, code = reg["registration_index"], reg["access_code"]
    print(f"Registration index: {index}")
    print(f"Registered at:      {reg['registered_at']}")
    print(f"Access code:        {code}")
    print(f"Due date:           {reg['due_date']} — {reg['due_date_summary']}")
    print(f"Scan:               {reg['scans'][0]['file_name']}, {reg['scans'][0]['size']} bytes, sha256 {reg['scans'][0]['sha256'][:16]}…")

    def lookup():
        r = requests.get(f"{STATUS}/api/v1/cases/lookup", params={"index": index, "code": code}, timeout=10)
        return r.json() if r.status_code == 200 else None

    view = until("the status lookup", lookup)
    print(f"Citizen's lookup:   {view['stage_label']} (stage {view['stage']}), due {view['due_date']}")
    path, msg = until("the email", lambda: mail_for(index))
    print(f"Email delivered:    {path}")
    print(f"  To: {msg['To']}  Subject: {msg['Subject']}")

    catalogue = requests.get(f"{CATALOGUE}/api/v1/services", params={"q": "udostoverenie za naslednici"}, timeout=10).json()
    if catalogue["items"]:
        first = catalogue["items"][0]
        print(f"Catalogue search 'udostoverenie za naslednici': {catalogue['count']} found, first: {first['code']} {first['name']}")
    print("Staff workspace:    http://127.0.0.1:8005/ (demo accounts from the local directory, deploy/local/ldap):")
    print("                    ivana / ivana-demo-2026 (clerk), stoyan / stoyan-demo-2026 (official), "
          "maria / maria-demo-2026 (admin)")
    print(f"Citizen's page:     {STATUS}/?index={quote(index)} (the code is typed into the form)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
