"""The registry, status and catalogue over their HTTP APIs (requests), each call signed with a
short-lived staff token of the person it is made for, so the services (and the registry's
audit log) see the clerk or the official, never "desk"."""
from __future__ import annotations

from typing import Callable, Optional
from urllib.parse import quote

import requests
import requests.adapters

from ..domain.people import Person
from ..service_layer.ports import Refused, Unavailable

Tokens = Callable[[Person], str]


class HttpServices:
    def __init__(self, tokens: Tokens, registry: str, status: str, catalogue: str, timeout_s: float = 15.0,
                 notifications: str = "http://127.0.0.1:8003", connections: int = 20):
        """``connections``: kept-alive connections per service, one per worker that may call it
        at once (requests keeps 10 by default; with 20 workers the rest were opened and dropped
        after each call: "Connection pool is full", found by bench/desk.py)."""
        self.tokens, self.timeout_s = tokens, timeout_s
        self.urls = {"registry": registry.rstrip("/"), "status": status.rstrip("/"),
                     "catalogue": catalogue.rstrip("/"), "notifications": notifications.rstrip("/")}
        self.http = requests.Session()
        pool = requests.adapters.HTTPAdapter(pool_connections=len(self.urls), pool_maxsize=connections)
        for scheme in ("http://", "https://"):
            self.http.mount(scheme, pool)

    def _call(self, person: Person, service: str, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens(person)}", **kwargs.pop("headers", {})}
        try:
            answer = self.http.request(method, self.urls[service] + path, headers=headers,
                                       timeout=self.timeout_s, **kwargs)
        except requests.RequestException as exc:
            raise Unavailable(service) from exc
        if answer.status_code >= 500:
            raise Unavailable(service)
        if answer.status_code >= 400:
            raise _refused(answer)
        return answer

    def register(self, person: Person, metadata: dict, scans: list, idempotency_key: str) -> dict:
        import json

        files = [("metadata", (None, json.dumps(metadata, ensure_ascii=False), "application/json"))]
        files += [("scan", scan) for scan in scans]  # (file name, stream or bytes, content type)
        return self._call(person, "registry", "POST", "/api/v1/documents", files=files,
                          headers={"Idempotency-Key": idempotency_key}).json()

    def register_uploaded(self, person: Person, metadata: dict, upload_ids: list[str]) -> dict:
        return self._call(person, "registry", "POST", "/api/v1/documents/from-uploads",
                          json={"metadata": metadata, "uploads": upload_ids}).json()

    def grant_upload(self, person: Person, file: dict) -> dict:
        return self._call(person, "registry", "POST", "/api/v1/uploads", json=file).json()

    def upload_step(self, person: Person, upload_id: str, step: dict) -> dict:
        return self._call(person, "registry", "POST", f"/api/v1/uploads/{quote(upload_id, safe='')}/steps",
                          json=step).json()

    def document(self, person: Person, index: str) -> dict:
        return self._call(person, "registry", "GET", "/api/v1/documents/by-index", params={"index": index}).json()

    def pdf(self, person: Person, which: str, index: str, code: Optional[str] = None) -> bytes:
        params = {"index": index, **({"code": code} if code else {})}
        return self._call(person, "registry", "GET", f"/api/v1/documents/{which}.pdf", params=params).content

    def reissue_access_code(self, person: Person, index: str, reason: str) -> dict:
        return self._call(person, "registry", "POST", "/api/v1/documents/access-code", params={"index": index},
                          json={"reason": reason}).json()

    def scan(self, person: Person, index: str, n: int) -> tuple[bytes, str]:
        link = self._call(person, "registry", "GET", "/api/v1/documents/scan-url",
                          params={"index": index, "n": n}).json()["url"]
        try:  # the registry's short-lived link to the object store, used at once and never shown
            answer = self.http.get(link, timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise Unavailable("scans") from exc
        if answer.status_code != 200:
            raise Unavailable("scans")
        return answer.content, answer.headers.get("Content-Type", "application/octet-stream")

    def change_stage(self, person: Person, change: dict) -> dict:
        return self._call(person, "status", "POST", "/api/v1/cases/stage", json=change).json()

    def contact_attempts(self, person: Person, case_index: str) -> list[dict]:
        return self._call(person, "notifications", "GET", "/api/v1/notifications/attempts",
                          params={"case_index": case_index}).json()["items"]

    def preview_letter(self, person: Person, change: dict) -> dict:
        return self._call(person, "notifications", "POST", "/api/v1/notifications/preview", json=change).json()

    def overdue(self, person: Person, after: Optional[str] = None, limit: int = 200) -> dict:
        return self._call(person, "status", "GET", "/api/v1/cases/overdue", params=_page(after, limit)).json()

    def survey_summary(self, person: Person) -> dict:
        return self._call(person, "status", "GET", "/api/v1/surveys/summary").json()

    def survey_answers(self, person: Person) -> list[dict]:
        return self._call(person, "status", "GET", "/api/v1/surveys").json()["items"]

    def case_history(self, person: Person, index: str) -> dict:
        return self._call(person, "status", "GET", "/api/v1/cases/by-index", params={"index": index}).json()

    def assign(self, person: Person, assignment: dict) -> dict:
        return self._call(person, "status", "POST", "/api/v1/cases/assign", json=assignment).json()

    def case_stages(self, person: Person, case_indexes: list[str]) -> list[dict]:
        indexes = list(dict.fromkeys(case_indexes))
        return [row for start in range(0, len(indexes), 200)
                for row in self._call(person, "status", "POST", "/api/v1/cases/stages",
                                      json={"indexes": indexes[start:start + 200]}).json()["items"]]

    def staged_cases(self, person: Person, query: dict) -> dict:
        return self._call(person, "status", "GET", "/api/v1/cases/staged", params=query).json()

    def journal_rows(self, person: Person, query: dict) -> list[dict]:
        return self._call(person, "registry", "POST", "/api/v1/documents/journal-rows", json=query).json()["items"]

    def assigned(self, person: Person, username: str, after: Optional[str] = None, limit: int = 200) -> dict:
        return self._call(person, "status", "GET", "/api/v1/cases/assigned",
                          params={"official": username, **_page(after, limit)}).json()

    def due(self, person: Person, until: str, after: Optional[str] = None, limit: int = 200) -> dict:
        return self._call(person, "status", "GET", "/api/v1/cases/due", params={"until": until, **_page(after, limit)}).json()

    def dead_notifications(self, person: Person) -> list[dict]:
        return self._call(person, "notifications", "GET", "/api/v1/notifications/dead").json()["items"]

    def replay_notification(self, person: Person, notification_id: str) -> dict:
        return self._call(person, "notifications", "POST",
                          f"/api/v1/notifications/{quote(notification_id, safe='')}/replay").json()

    def journal(self, person: Person, query: dict) -> dict:
        return self._call(person, "registry", "GET", "/api/v1/documents", params=query).json()

    def catalogue_services(self, person: Person) -> list[dict]:
        return self._call(person, "catalogue", "GET", "/api/v1/services", params={"limit": 500}).json()["items"]

    def catalogue_search(self, person: Person, q: str) -> list[dict]:
        return self._call(person, "catalogue", "GET", "/api/v1/services", params={"q": q, "limit": 200}).json()["items"]

    def catalogue_service(self, person: Person, code: str, at: Optional[str] = None) -> dict:
        return self._call(person, "catalogue", "GET", f"/api/v1/services/{quote(code, safe='')}",
                          params={"at": at} if at else None).json()

    def calendar(self, person: Person) -> dict:
        return self._call(person, "registry", "GET", "/api/v1/calendar/exceptions").json()

    def replace_calendar(self, person: Person, edit: dict) -> dict:
        return self._call(person, "registry", "PUT", "/api/v1/calendar/exceptions", json=edit).json()

    def catalogue_versions(self, person: Person, code: str) -> list[dict]:
        return self._call(person, "catalogue", "GET",
                          f"/api/v1/admin/services/{quote(code, safe='')}/versions").json()["items"]

    def edit_catalogue_service(self, person: Person, code: str, edit: dict) -> dict:
        return self._call(person, "catalogue", "POST", f"/api/v1/admin/services/{quote(code, safe='')}/versions",
                          json=edit).json()

    def stage_sets(self, person: Person) -> list[dict]:
        return self._call(person, "status", "GET", "/api/v1/admin/stage-sets").json()["items"]

    def stage_set_versions(self, person: Person, key: str) -> list[dict]:
        return self._call(person, "status", "GET",
                          f"/api/v1/admin/stage-sets/{quote(key, safe=':')}/versions").json()["items"]

    def create_stage_set_version(self, person: Person, key: str, edit: dict) -> dict:
        return self._call(person, "status", "POST", f"/api/v1/admin/stage-sets/{quote(key, safe=':')}/versions",
                          json=edit).json()


def _refused(answer: requests.Response) -> Refused:
    try:
        body = answer.json()
    except ValueError:
        body = {}
    detail = body.get("detail") if isinstance(body, dict) else None
    return Refused(answer.status_code, detail or "Заявката не е приета.",
                   body.get("errors") if isinstance(body, dict) else None)


def _page(after: Optional[str], limit: int) -> dict:
    return {"limit": limit, **({"after": after} if after else {})}
