from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class Me(BaseModel):
    me: Optional["MeMe"]


class MeMe(BaseModel):
    via_api_key: bool = Field(alias="viaApiKey")
    user: "MeMeUser"
    tenant: "MeMeTenant"
    role: "MeMeRole"


class MeMeUser(BaseModel):
    id: str
    email: str
    full_name: str = Field(alias="fullName")


class MeMeTenant(BaseModel):
    id: str
    name: str


class MeMeRole(BaseModel):
    key: str


Me.model_rebuild()
MeMe.model_rebuild()
