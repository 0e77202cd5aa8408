from typing import Any, Optional

from pydantic import Field

from .base_model import BaseModel


class RotateApiKey(BaseModel):
    rotate_api_key: Optional["RotateApiKeyRotateApiKey"] = Field(alias="rotateApiKey")


class RotateApiKeyRotateApiKey(BaseModel):
    secret: Optional[str]
    api_key: Optional["RotateApiKeyRotateApiKeyApiKey"] = Field(alias="apiKey")
    errors: list["RotateApiKeyRotateApiKeyErrors"]


class RotateApiKeyRotateApiKeyApiKey(BaseModel):
    id: str
    scopes: Optional[list[str]]
    expires_at: Optional[Any] = Field(alias="expiresAt")


class RotateApiKeyRotateApiKeyErrors(BaseModel):
    field: Optional[str]
    code: str
    message: str


RotateApiKey.model_rebuild()
RotateApiKeyRotateApiKey.model_rebuild()
