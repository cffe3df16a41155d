"""The status and registration consumers handle as many cases at once as the setting
``consumer_concurrency`` says (16 kept 52 SMS/s at most on the stack, 48 kept 79:
docs/decisions.md), and the process's nameko workers cover both consumers and the reports."""
from nameko.containers import ServiceContainer

from notifications.entrypoints.service import NotificationsService
from notifications.settings import NotificationsSettings
from servicekit.kafka import KafkaConsume
from servicekit.runner import nameko_config


def consumers(settings) -> dict[str, int]:
    container = ServiceContainer(NotificationsService, nameko_config(settings))
    found = {}
    for entry in container.entrypoints:
        if isinstance(entry, KafkaConsume):
            entry.setup()
            found[entry.method_name] = entry.concurrency
    return found


def test_the_events_consumers_take_their_concurrency_from_the_settings():
    found = consumers(NotificationsSettings(consumer_concurrency=7))
    assert found["on_status_changed"] == found["on_document_registered"] == 7
    assert found["on_case_overdue"] == found["on_access_code_reissued"] == 1  # rare events, one at a time


def test_the_default_workers_cover_both_consumers_and_the_delivery_reports():
    settings = NotificationsSettings()
    assert settings.consumer_concurrency == 48
    assert settings.max_workers > 2 * settings.consumer_concurrency
