from typing import Any, Optional

from pydantic import Field

from .base_model import BaseModel


class CreateApiKey(BaseModel):
    create_api_key: Optional["CreateApiKeyCreateApiKey"] = Field(alias="createApiKey")


class CreateApiKeyCreateApiKey(BaseModel):
    secret: Optional[str]
    api_key: Optional["CreateApiKeyCreateApiKeyApiKey"] = Field(alias="apiKey")
    errors: list["CreateApiKeyCreateApiKeyErrors"]


class CreateApiKeyCreateApiKeyApiKey(BaseModel):
    id: str
    name: str
    scopes: Optional[list[str]]
    expires_at: Optional[Any] = Field(alias="expiresAt")


class CreateApiKeyCreateApiKeyErrors(BaseModel):
    field: Optional[str]
    code: str
    message: str


CreateApiKey.model_rebuild()
CreateApiKeyCreateApiKey.model_rebuild()
