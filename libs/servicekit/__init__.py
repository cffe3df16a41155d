"""What every delovod service shares and nothing domain-specific: settings, runner,
tracing, Kafka entrypoint and producer, outbox relay, problem+json, auth, logging."""
