"""The reader's language: `myLanguage` says which locale answers are in and why; `setMyLocale` chooses it."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload, payload_errors
from tenants import i18n
from tenants.i18n.preferences import set_user_locale, stored_locales


@strawberry.type(description="The language this request's messages, labels and formats are in, and why.")
class Language:
    locale: str = strawberry.field(
        description="The locale in effect (BCP 47): your own choice, else the request's Accept-Language "
        "(zh-CN or en), else the tenant's locale."
    )
    preferred_locale: str | None = strawberry.field(
        description="Your own choice (setMyLocale), the same in every tenant; null when you have none."
    )
    tenant_locale: str = strawberry.field(description="The tenant's locale, the default of its members.")
    translated_locales: list[str] = strawberry.field(
        description="Locales with translated messages and labels; any other locale formats numbers, dates "
        "and money its own way but reads English text."
    )


@strawberry.type(description="Result of setMyLocale.")
class LanguagePayload:
    language: Language | None = strawberry.field(default=None, description="The language now in effect.")
    errors: list[UserError] = payload_errors()


async def language_view(info: Info) -> Language:
    context = info.context
    preferred, tenant_locale = await stored_locales(await context.session(), context.actor)
    return Language(
        locale=i18n.choose(preferred, context.accept_language, tenant_locale),
        preferred_locale=preferred,
        tenant_locale=tenant_locale,
        translated_locales=list(i18n.SUPPORTED),
    )


@strawberry.type
class LanguageQuery:
    @strawberry.field(description="The language answers are in for you, and where it comes from.")
    async def my_language(self, info: Info) -> Language:
        return await language_view(info)


@strawberry.type
class LanguageMutation:
    @strawberry.mutation(
        description="Choose the language you read (error messages, labels, notifications, printed documents, "
        "number/date/money formats): a CLDR locale such as zh-CN or en-US (INVALID otherwise); null goes "
        "back to the request's Accept-Language, then the tenant's locale. The API itself (codes, field "
        "names, enum values) stays English."
    )
    @mutation_payload(LanguagePayload)
    async def set_my_locale(
        self,
        info: Info,
        locale: Annotated[
            str | None, strawberry.argument(description="e.g. zh-CN; null or left out: no own choice.")
        ] = None,
    ) -> LanguagePayload:
        await set_user_locale(await info.context.session(), info.context.actor, locale)
        info.context.forget_locale()  # later messages of this request follow the new choice
        return LanguagePayload(language=await language_view(info))
