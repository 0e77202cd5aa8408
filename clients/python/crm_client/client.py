from typing import Any, Optional, Union

from .accounts import Accounts
from .async_base_client import AsyncBaseClient
from .base_model import UNSET, UnsetType
from .create_account import CreateAccount
from .create_api_key import CreateApiKey
from .input_types import CreateAccountInput, CreateApiKeyInput
from .me import Me
from .rotate_api_key import RotateApiKey


def gql(q: str) -> str:
    return q


class CrmClient(AsyncBaseClient):
    async def me(self, **kwargs: Any) -> Me:
        query = gql("""
            query Me {
              me {
                viaApiKey
                user {
                  id
                  email
                  fullName
                }
                tenant {
                  id
                  name
                }
                role {
                  key
                }
              }
            }
            """)
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query, operation_name="Me", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Me.model_validate(data)

    async def accounts(
        self,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> Accounts:
        query = gql("""
            query Accounts($first: Int, $after: String) {
              accounts(first: $first, after: $after, orderBy: [{field: NAME, direction: ASC}]) {
                nodes {
                  id
                  name
                  industry
                  owner {
                    fullName
                  }
                }
                pageInfo {
                  hasNextPage
                  endCursor
                }
              }
            }
            """)
        variables: dict[str, object] = {"first": first, "after": after}
        response = await self.execute(
            query=query, operation_name="Accounts", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Accounts.model_validate(data)

    async def create_account(
        self, input: CreateAccountInput, **kwargs: Any
    ) -> CreateAccount:
        query = gql("""
            mutation CreateAccount($input: CreateAccountInput!) {
              createAccount(input: $input) {
                account {
                  id
                  name
                  industry
                  createdAt
                }
                errors {
                  field
                  code
                  message
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="CreateAccount", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreateAccount.model_validate(data)

    async def create_api_key(
        self, input: CreateApiKeyInput, **kwargs: Any
    ) -> CreateApiKey:
        query = gql("""
            mutation CreateApiKey($input: CreateApiKeyInput!) {
              createApiKey(input: $input) {
                secret
                apiKey {
                  id
                  name
                  scopes
                  expiresAt
                }
                errors {
                  field
                  code
                  message
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="CreateApiKey", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreateApiKey.model_validate(data)

    async def rotate_api_key(
        self, id: str, grace_period_seconds: int, **kwargs: Any
    ) -> RotateApiKey:
        query = gql("""
            mutation RotateApiKey($id: ID!, $gracePeriodSeconds: Int!) {
              rotateApiKey(id: $id, gracePeriodSeconds: $gracePeriodSeconds) {
                secret
                apiKey {
                  id
                  scopes
                  expiresAt
                }
                errors {
                  field
                  code
                  message
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "id": id,
            "gracePeriodSeconds": grace_period_seconds,
        }
        response = await self.execute(
            query=query, operation_name="RotateApiKey", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RotateApiKey.model_validate(data)
