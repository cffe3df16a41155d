"""The README's table of configuration variables, generated from the settings classes.

``python -m docs.settings_table --write README.md`` (``make docs``) replaces the text
between the settings markers; a unit test fails when the README is stale.
"""
from __future__ import annotations

import sys
from pathlib import Path

START, END = "<!-- settings:start -->", "<!-- settings:end -->"
ROOT = Path(__file__).resolve().parents[1]


def _classes():
    from catalogue.settings import CatalogueSettings
    from desk.settings import DeskSettings
    from notifications.settings import NotificationsSettings
    from registry.settings import RegistrySettings
    from servicekit.settings import KitSettings
    from status.settings import StatusSettings

    return [("all services", KitSettings), ("registry", RegistrySettings), ("status", StatusSettings),
            ("notifications", NotificationsSettings), ("catalogue", CatalogueSettings), ("desk", DeskSettings)]


def _default(field) -> str:
    value = field.get_default(call_default_factory=True)
    text = str(value).replace(str(ROOT), ".")
    return f"`{text}`" if text else "—"


def table() -> str:
    rows = ["| variable | service | default | meaning |", "|---|---|---|---|"]
    for scope, cls in _classes():
        prefix = cls.model_config.get("env_prefix", "")
        for name, field in cls.model_fields.items():
            if name == "kit":
                continue
            rows.append(f"| `{prefix}{name.upper()}` | {scope} | {_default(field)} | {field.description or ''} |")
    rows.append("| `OTEL_SERVICE_NAME`, `OTEL_TRACES_EXPORTER`, `OTEL_EXPORTER_OTLP_ENDPOINT`, ... | all services | "
                "service name, `otlp` | standard OpenTelemetry variables |")
    return "\n".join(rows)


def render(readme: str) -> str:
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    path = ROOT / (argv[argv.index("--write") + 1] if "--write" in argv else "README.md")
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
