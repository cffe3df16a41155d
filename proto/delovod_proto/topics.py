"""Kafka topic names: the only place they are spelled. ``make up`` creates them."""

DOCUMENTS_REGISTERED = "registry.documents.registered.v1"
EPORTAL_SUBMISSIONS = "eportal.submissions.v1"
EPORTAL_RECEIPTS = "eportal.receipts.v1"
ACCESS_CODES_REISSUED = "registry.access-codes.reissued.v1"
CASES_STATUS_CHANGED = "status.cases.status-changed.v1"
CASES_OVERDUE = "status.cases.overdue.v1"
NOTIFICATIONS_DELIVERED = "notifications.delivered.v1"
CATALOGUE_SERVICES_CHANGED = "catalogue.services.changed.v1"
DEAD_LETTERS = "delovod.dead-letters.v1"
NOTIFICATIONS_BOUNCES = "notifications.bounces.v1"

ALL = (
    DOCUMENTS_REGISTERED,
    EPORTAL_SUBMISSIONS,
    EPORTAL_RECEIPTS,
    ACCESS_CODES_REISSUED,
    CASES_STATUS_CHANGED,
    CASES_OVERDUE,
    NOTIFICATIONS_DELIVERED,
    CATALOGUE_SERVICES_CHANGED,
    DEAD_LETTERS,
    NOTIFICATIONS_BOUNCES,
)
