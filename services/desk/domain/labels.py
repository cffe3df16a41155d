"""Bulgarian labels of the wire vocabularies, for the desk's pages (values stay English)."""
from delovod_proto.vocabulary import CaseStage, ContactChannel, DocumentKind, ReceivedChannel

KINDS = {DocumentKind.LETTER: "Писмо", DocumentKind.COMPLAINT: "Жалба", DocumentKind.SIGNAL: "Сигнал",
         DocumentKind.PROPOSAL: "Предложение", DocumentKind.SERVICE_APPLICATION: "Заявление за услуга",
         DocumentKind.PUBLIC_INFORMATION_REQUEST: "Заявление за достъп до обществена информация",
         DocumentKind.FOLLOW_UP: "Допълнителен документ по преписка"}
# The box is not offered: its documents are taken without registering (Client Charter).
CHANNELS = {ReceivedChannel.COUNTER: "На гише", ReceivedChannel.POST: "По пощата",
            ReceivedChannel.EMAIL: "По електронна поща", ReceivedChannel.FAX: "По факс",
            ReceivedChannel.PHONE: "По телефона", ReceivedChannel.EPORTAL: "През портала за е-услуги",
            ReceivedChannel.SSEV: "През СЕОВ"}
CONTACT_CHANNELS = {ContactChannel.EMAIL: "Електронна поща", ContactChannel.SMS: "SMS",
                    ContactChannel.POST: "Писмо по пощата", ContactChannel.NONE: "Не желае уведомления"}
NUMBER_KINDS = {"egn": "ЕГН", "lnch": "ЛНЧ", "foreign_document": "Номер на чуждестранен документ"}
SENDER_TYPES = {"person": "Гражданин", "organisation": "Организация"}
STAGES = {CaseStage.REGISTERED: "Регистриран", CaseStage.ASSIGNED: "Възложен", CaseStage.IN_PROGRESS: "В работа",
          CaseStage.SUSPENDED: "Спрян", CaseStage.EXTENDED: "Удължен срок", CaseStage.ANSWERED: "Отговорен",
          CaseStage.CLOSED: "Приключен", CaseStage.AWAITING_CITIZEN: "Чака гражданина",
          CaseStage.RECONSIDERATION_REQUESTED: "За преразглеждане", CaseStage.APPEALED: "Обжалван"}
# What an official may do on the case page; which move is allowed from which stage is the
# status service's rule, and its refusal is shown as it comes.
STAGE_ACTIONS = {CaseStage.IN_PROGRESS: "Започни работа", CaseStage.SUSPENDED: "Спри (с причина)",
                 CaseStage.EXTENDED: "Удължи срока (нова дата и причина)", CaseStage.ANSWERED: "Отговорен",
                 CaseStage.CLOSED: "Приключи",
                 CaseStage.AWAITING_CITIZEN: "Поискай документи или уточнение от гражданина (с причина: какво точно)",
                 CaseStage.RECONSIDERATION_REQUESTED: "Гражданинът иска преразглеждане (с причина)",
                 CaseStage.APPEALED: "Отговорът е обжалван (орган и дата на жалбата)"}
# The legal grounds of an extension (status checks which one a kind may use and its cap).
LEGAL_GROUNDS = {"zdoi_30_1": "ЗДОИ чл. 30, ал. 1 — голямо количество информация (до 10 дни)",
                 "zdoi_31_1": "ЗДОИ чл. 31, ал. 1 — нужно е съгласие на трето лице (до 14 дни)",
                 "apk_57": "АПК чл. 57 — установяване на факти, изслушване, становища (до 1 месец от регистрирането)",
                 "apk_118_2": "АПК чл. 118, ал. 2 — предложение, по-продължително проучване (до 6 месеца)",
                 "apk_121": "АПК чл. 121 — сигнал, законов максимум (до 2 месеца)"}


def value_labels(table: dict) -> list[tuple[str, str]]:
    """``[(wire value, Bulgarian label)]`` for a select or radios."""
    return [(getattr(k, "value", k), v) for k, v in table.items()]


def stage(value: str):
    """The CaseStage of a wire value (its key in STAGES), or the value itself if it is none."""
    try:
        return CaseStage(value)
    except ValueError:
        return value


def kind(value: str):
    """The DocumentKind of a wire value (its key in KINDS), or the value itself if it is none."""
    try:
        return DocumentKind(value)
    except ValueError:
        return value
