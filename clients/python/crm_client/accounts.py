from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class Accounts(BaseModel):
    accounts: Optional["AccountsAccounts"]


class AccountsAccounts(BaseModel):
    nodes: list["AccountsAccountsNodes"]
    page_info: "AccountsAccountsPageInfo" = Field(alias="pageInfo")


class AccountsAccountsNodes(BaseModel):
    id: str
    name: str
    industry: Optional[str]
    owner: Optional["AccountsAccountsNodesOwner"]


class AccountsAccountsNodesOwner(BaseModel):
    full_name: str = Field(alias="fullName")


class AccountsAccountsPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


Accounts.model_rebuild()
AccountsAccounts.model_rebuild()
AccountsAccountsNodes.model_rebuild()
