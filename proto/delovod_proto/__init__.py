"""delovod's wire contract: every Kafka event and RPC message that crosses a service.

Frozen pydantic v2 models. A breaking change is a new model version (``...V2``) and a
new ``schema_version``, never an edit in place. JSON Schema and the AsyncAPI document
in ``proto/schemas/`` are generated from these classes (``make proto``) and a test
fails when they drift.
"""
