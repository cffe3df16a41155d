"""The catalogue of services, for the operators (admins): find a service, open it with its
versions, and change its card from a date with a reason."""
from __future__ import annotations

from typing import Optional

from nameko.web.handlers import http

from servicekit.pages import page_errors

from ..domain import card_form
from ..domain.card_form import CardForm
from . import pages, views
from .routes import DeskPages, page, settled

FOUND_NONE = ("Услугата не е намерена", "/catalogue")


class CataloguePages(DeskPages):
    @http("GET", "/catalogue")
    @page_errors
    @page(may="may_edit_catalogue", down=("Каталогът не може да бъде показан.", "/"))
    def catalogue(self, request, session):
        q = request.args.get("q", "").strip()[:200]
        return views.page("catalogue.html", session, title="Каталог на услугите", q=q,
                          services=self.app.catalogue.search(session.person, q))

    @http("GET", "/catalogue/services/<string:code>")
    @page_errors
    @page(may="may_edit_catalogue", down=("Услугата не може да бъде отворена.", "/catalogue"), refused=FOUND_NONE)
    def catalogue_service(self, request, session, code):
        opened = self.app.catalogue.service(session.person, code)
        form = CardForm.from_card(opened["card"], pages.today().isoformat())
        return self._service_page(session, code, opened)(200, values=form.values)

    @http("POST", "/catalogue/services/<string:code>/versions")
    @page_errors
    @page(may="may_edit_catalogue", down=("Услугата не може да бъде отворена.", "/catalogue"), refused=FOUND_NONE)
    def edit_catalogue_service(self, request, session, code):
        form, opened = CardForm.from_form(request.form), self.app.catalogue.service(session.person, code)
        on_form = self._service_page(session, code, opened, form.values)
        self.posted(request, session, on_form)
        edited = settled(lambda: self.app.catalogue.edit(session.person, code, form, opened["card"]), on_form,
                         "Промяната не е записана.")
        opened = self.app.catalogue.service(session.person, code)
        return self._service_page(session, code, opened)(
            200, values=CardForm.from_card(opened["card"], pages.today().isoformat()).values, edited=edited["service"])

    def _service_page(self, session, code: str, opened: dict, values: Optional[dict] = None):
        """The service's page (its versions and the form) for a status and context."""
        def render(status: int, **context):
            context.setdefault("values", values)
            return views.page("catalogue_service.html", session, status, title=f"Услуга {opened['card']['name']}",
                              code=code, card=opened["card"], versions=opened["versions"],
                              variants=card_form.VARIANTS, units=list(card_form.TERM_UNITS.items()),
                              channels=card_form.CHANNELS, **context)
        return render
