from typing import Any, Optional

from pydantic import Field

from .base_model import BaseModel


class CreateAccount(BaseModel):
    create_account: Optional["CreateAccountCreateAccount"] = Field(
        alias="createAccount"
    )


class CreateAccountCreateAccount(BaseModel):
    account: Optional["CreateAccountCreateAccountAccount"]
    errors: list["CreateAccountCreateAccountErrors"]


class CreateAccountCreateAccountAccount(BaseModel):
    id: str
    name: str
    industry: Optional[str]
    created_at: Any = Field(alias="createdAt")


class CreateAccountCreateAccountErrors(BaseModel):
    field: Optional[str]
    code: str
    message: str


CreateAccount.model_rebuild()
CreateAccountCreateAccount.model_rebuild()
