"""Stage sets, for the admins (issue 14 item 1): the list of sets, a set with its versions
(valid from, who, why) and the form that saves a new version."""
from __future__ import annotations

from urllib.parse import quote

from nameko.web.handlers import http

from servicekit.pages import page_errors

from ..domain import labels
from ..domain.stage_set_form import StageSetForm
from ..service_layer.stage_sets import SERVICE_PREFIX
from . import pages, views
from .routes import DeskPages, page, settled

FOUND_NONE = ("Наборът от етапи не е намерен", "/stage-sets")
DOWN = ("Наборите от етапи не могат да бъдат показани.", "/")


class StageSetPages(DeskPages):
    @http("GET", "/stage-sets")
    @page_errors
    @page(may="may_edit_stage_sets", down=DOWN)
    def stage_sets(self, request, session):
        return views.page("stage_sets.html", session, title="Етапи на преписките",
                          sets=self.app.stage_sets.sets(session.person), kinds=_kinds())

    @http("GET", "/stage-sets/service")
    @page_errors
    @page(may="may_edit_stage_sets", down=DOWN, refused=FOUND_NONE)
    def stage_set_of_service(self, request, session):
        """The list page's "a service's own set": its code, typed."""
        code = request.args.get("code", "").strip()[:100]
        if not code or "/" in code or not code.isprintable():
            return views.page("message.html", session, 400, title="Невалиден код",
                              message="Въведете кода на услугата от каталога (напр. 2091).", back="/stage-sets")
        return pages.redirect(f"/stage-sets/{quote(SERVICE_PREFIX + code, safe=':')}")

    @http("GET", "/stage-sets/<string:key>")
    @page_errors
    @page(may="may_edit_stage_sets", down=DOWN, refused=FOUND_NONE)
    def stage_set(self, request, session, key):
        opened = self.app.stage_sets.open(session.person, key)
        return self._set_page(session, key, opened)(200, values=StageSetForm.from_set(opened["latest"],
                                                                                      opened["based_on"]).values)

    @http("POST", "/stage-sets/<string:key>/versions")
    @page_errors
    @page(may="may_edit_stage_sets", down=DOWN, refused=FOUND_NONE)
    def edit_stage_set(self, request, session, key):
        opened = self.app.stage_sets.open(session.person, key)
        form = StageSetForm.from_form(request.form, opened["latest"])
        on_form = self._set_page(session, key, opened, form.values)
        self.posted(request, session, on_form)
        outcome = self.app.stage_sets.edit(session.person, key, form, opened)
        if outcome.status == 409:  # saved over by someone else: the newest is what a save goes over now
            form.values["based_on"] = str(opened["based_on"])
        created = settled(lambda: outcome, on_form, "Наборът от етапи не е записан.")
        opened = self.app.stage_sets.open(session.person, key)
        return self._set_page(session, key, opened)(
            200, values=StageSetForm.from_set(opened["latest"]).values, created=created)

    def _set_page(self, session, key: str, opened: dict, values=None):
        def render(status: int, **context):
            context.setdefault("values", values)
            latest = opened["latest"]
            title = (f"Етапи: {labels.KINDS.get(labels.kind(latest['kind']), latest['kind'])}"
                     if not key.startswith(SERVICE_PREFIX) else f"Етапи: услуга {key[len(SERVICE_PREFIX):]}")
            return views.page("stage_set.html", session, status, title=title, key=key, opened=opened,
                              stages=[(s.value, labels.STAGES[s]) for s in labels.STAGES], **context)
        return render


def _kinds() -> dict:
    return {k.value: v for k, v in labels.KINDS.items()}
