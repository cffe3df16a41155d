"""Which stages a kind of case may use, as data (issue 14 item 1: stage sets per kind). A kind
not listed here uses every stage; :data:`case.ALLOWED` still says which move follows which."""
from __future__ import annotations

from delovod_proto.vocabulary import CaseStage, DocumentKind

ALL_STAGES = frozenset(CaseStage)

STAGES_BY_KIND: dict[DocumentKind, frozenset[CaseStage]] = {
    # ЗДОИ knows no suspension: the term stops only while the citizen clarifies the request
    # (чл. 29), and is extended only on the grounds of чл. 30 and 31.
    DocumentKind.PUBLIC_INFORMATION_REQUEST: ALL_STAGES - {CaseStage.SUSPENDED},
    # АПК чл. 118, ал. 3: the decision on a proposal is not subject to appeal.
    DocumentKind.PROPOSAL: ALL_STAGES - {CaseStage.APPEALED},
}

# Why a kind may not use a stage, in the law's words: a stage set is refused with this (the
# legal floor no admin's set goes below; domain.stage_sets).
FORBIDDEN_BG: dict[tuple[DocumentKind, CaseStage], str] = {
    (DocumentKind.PUBLIC_INFORMATION_REQUEST, CaseStage.SUSPENDED):
        "ЗДОИ не познава спиране на срока: той спира само докато заявителят уточнява искането (чл. 29) "
        "и се удължава само на основанията на чл. 30 и 31.",
    (DocumentKind.PROPOSAL, CaseStage.APPEALED):
        "Решението по предложение не подлежи на обжалване (АПК чл. 118, ал. 3).",
}

KIND_LABELS_BG = {
    DocumentKind.PUBLIC_INFORMATION_REQUEST: "заявление за достъп до обществена информация",
    DocumentKind.PROPOSAL: "предложение",
}


def stages_of(kind: str) -> frozenset[CaseStage]:
    """The stages a case of ``kind`` may be in (every stage for a kind without its own set)."""
    try:
        return STAGES_BY_KIND.get(DocumentKind(kind), ALL_STAGES)
    except ValueError:
        return ALL_STAGES


def kind_label(kind: str) -> str:
    try:
        return KIND_LABELS_BG.get(DocumentKind(kind), kind)
    except ValueError:
        return kind
