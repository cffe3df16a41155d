"""Closed vocabularies shared on the wire (values are stable English identifiers;
Bulgarian labels live with each service's user-facing text)."""
from enum import Enum


class DocumentKind(str, Enum):
    """What an incoming document is; drives its register and default statutory term."""

    LETTER = "letter"
    COMPLAINT = "complaint"
    SIGNAL = "signal"
    PROPOSAL = "proposal"
    SERVICE_APPLICATION = "service_application"
    PUBLIC_INFORMATION_REQUEST = "public_information_request"
    FOLLOW_UP = "follow_up"


class ReceivedChannel(str, Enum):
    """How the document reached the administration."""

    COUNTER = "counter"
    POST = "post"
    EMAIL = "email"
    FAX = "fax"
    PHONE = "phone"
    BOX = "box"
    EPORTAL = "eportal"
    SSEV = "ssev"


class ContactChannel(str, Enum):
    """The way the citizen chose to be contacted (Charter: "по начин, който ви е удобен")."""

    EMAIL = "email"
    SMS = "sms"
    POST = "post"
    NONE = "none"


class Salutation(str, Enum):
    """How a letter addresses its reader (the form of address they gave): "Уважаеми г-н
    <фамилия>," / "Уважаема г-жо <фамилия>,"; unknown means a neutral "Здравейте, <име>,"."""

    MR = "mr"  # г-н
    MS = "ms"  # г-жа


class CaseStage(str, Enum):
    """Stages of a case as the citizen sees them."""

    REGISTERED = "registered"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    SUSPENDED = "suspended"
    EXTENDED = "extended"
    ANSWERED = "answered"
    CLOSED = "closed"
    RECONSIDERATION_REQUESTED = "reconsideration_requested"


class TermUnit(str, Enum):
    """Unit of a statutory term."""

    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    HOURS = "hours"
    MONTHS = "months"


class ServiceVariant(str, Enum):
    """Delivery variants of an administrative service."""

    ORDINARY = "ordinary"
    FAST = "fast"
    EXPRESS = "express"


class PersonalNumberKind(str, Enum):
    """Which personal number a sender gave; each kind is checked by its own rule."""

    EGN = "egn"  # ЕГН, a Bulgarian citizen's civil number
    LNCH = "lnch"  # ЛНЧ, a foreigner's personal number
    FOREIGN_DOCUMENT = "foreign_document"  # a foreign identity document's number
