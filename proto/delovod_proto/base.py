"""Base classes shared by every wire model."""
from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    """A frozen message that crosses a service boundary; unknown fields are rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")
