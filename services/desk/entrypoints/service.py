"""Every way into the desk, one class of pages per area (each in its own module): signing in,
registering mail (and the uploads its script makes), a case, the staff's lists, the journal, the operators' page, the catalogue
for the operators to change; the desk's stylesheets and health; the session sweep. Thin: the
plumbing around each page is ``routes``', the work the service layer's."""
from __future__ import annotations

from nameko.timer import timer
from nameko.web.handlers import http

from servicekit.http import json_response
from servicekit.providers import App
from servicekit.service import NoDelayHttp

from ..bootstrap import bootstrap
from . import pages
from .cases import CasePages
from .catalogue import CataloguePages
from .journal import JournalPages
from .lists import ListPages
from .operators import OperatorPages
from .registration import RegistrationPages
from .signin import SignInPages
from .stage_sets import StageSetPages
from .uploads import UploadRoutes


class DeskService(SignInPages, RegistrationPages, UploadRoutes, CasePages, ListPages, JournalPages, OperatorPages,
                  CataloguePages, StageSetPages):
    name = "desk"

    app = App(bootstrap)
    http_server = NoDelayHttp()  # TCP_NODELAY on its HTTP connections, as every service's

    @http("GET", "/static/<string:name>")
    def static(self, request, name):
        return pages.static(name)

    @http("GET", "/health")
    def health(self, request):
        return json_response({"status": "ok", "service": self.name})

    @timer(interval=300)
    def sweep(self):
        self.app.sessions.throttle.sweep()
        sweep = getattr(self.app.sessions.store, "sweep", None)
        if sweep:
            sweep(self.app.sessions.idle)
