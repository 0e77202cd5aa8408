"""Sign-up, login, sessions, tenant switching and invitations.

Users are global; what they may do lives in per-tenant memberships. A session is a login of one user
with a current tenant; its token is random and stored only as a hash.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tenants import audit
from tenants.db import enter_tenant
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.ids import new_id
from tenants.locales import DEFAULT_LOCALE, regional_defaults
from tenants.models import Invitation, Membership, Role, Tenant, TenantRegistry, User, UserSession
from tenants.passwords import Passwords, check_password_policy
from tenants.permissions import BUILTIN_ROLES, Actor, Capability, Permissions, builtin_permissions
from tenants.provisioning import provision_tenant
from tenants.throttle import LoginThrottle, account_key, address_key
from tenants.tokens import digest, invite_tenant, new_invite_token, new_session_token
from tenants.validation import email_address, required_text


@dataclass(frozen=True)
class SessionGrant:
    token: str
    user: User
    tenant: Tenant
    session_id: uuid.UUID


@dataclass(frozen=True)
class Invite:
    invitation: Invitation
    token: str


def now() -> datetime:
    return datetime.now(UTC)


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def role_permissions(role: Role) -> Permissions:
    return builtin_permissions(role.key) if role.is_builtin else Permissions.from_json(role.permissions)


class Identity:
    def __init__(
        self, passwords: Passwords, throttle: LoginThrottle, session_ttl: timedelta, invite_ttl: timedelta
    ) -> None:
        self.passwords = passwords
        self.throttle = throttle
        self.session_ttl = session_ttl
        self.invite_ttl = invite_ttl

    # --- sign-up and login ---------------------------------------------------------------

    async def sign_up(
        self,
        session: AsyncSession,
        tenant_name: str,
        email: str,
        password: str,
        full_name: str,
        client_address: str | None,
        locale: str | None = None,
        base_currency: str | None = None,
    ) -> SessionGrant:
        """`locale` defaults to en-US; `base_currency` to the currency of the locale's country."""
        tenant_name = required_text(tenant_name, "tenantName", 200)
        full_name = required_text(full_name, "fullName", 200)
        email = email_address(email)
        check_password_policy(password)
        region = regional_defaults(locale, base_currency)
        if await user_by_email(session, email):
            raise DomainError(
                ErrorCode.EMAIL_TAKEN,
                "An account with this email exists; log in and create a tenant.",
                "email",
            )
        user = User(email=email, full_name=full_name, password_hash=await self.passwords.hash(password))
        session.add(user)
        tenant = await self.create_tenant(session, tenant_name, *region)
        admin_role = await session.scalar(select(Role).where(Role.key == "admin"))
        session.add(Membership(tenant_id=tenant.id, user_id=user.id, role_id=admin_role.id))
        await session.flush()
        await audit.record(
            session,
            None,
            "tenant.create",
            "tenant",
            tenant.id,
            {
                "name": [None, tenant_name],
                "locale": [None, tenant.locale],
                "base_currency": [None, tenant.base_currency],
            },
            tenant_id=tenant.id,
            user_id=user.id,
        )
        return await self.open_session(session, user, tenant, client_address)

    async def create_tenant(
        self, session: AsyncSession, name: str, locale: str = DEFAULT_LOCALE, base_currency: str = "USD"
    ) -> Tenant:
        """A tenant with its built-in roles; leaves the transaction inside the new tenant."""
        tenant = Tenant(id=new_id(), name=name, locale=locale, base_currency=base_currency)
        await enter_tenant(session, tenant.id)
        session.add(tenant)
        await session.flush()
        session.add(TenantRegistry(id=tenant.id))
        for key, label in BUILTIN_ROLES.items():
            session.add(
                Role(
                    tenant_id=tenant.id,
                    key=key,
                    name=label,
                    is_builtin=True,
                    permissions=builtin_permissions(key).to_json(),
                )
            )
        await session.flush()
        await provision_tenant(session, tenant.id)
        return tenant

    async def login(
        self,
        session: AsyncSession,
        email: str,
        password: str,
        tenant_id: uuid.UUID | None,
        client_address: str | None,
    ) -> SessionGrant:
        keys = [account_key(email), address_key(client_address)]
        wait = await self.throttle.retry_after(keys)
        if wait is not None:
            raise DomainError(ErrorCode.THROTTLED, f"Too many failed attempts; try again in {wait} seconds.")
        user = await user_by_email(session, email.strip())
        password_ok = await self.passwords.verify(user.password_hash if user else None, password)
        if user is None or not password_ok or not user.is_active:
            await self.throttle.record_failure(keys)
            raise DomainError(ErrorCode.INVALID_CREDENTIALS, "Wrong email or password.")
        await self.throttle.clear(keys[0])
        if self.passwords.needs_rehash(user.password_hash):
            user.password_hash = await self.passwords.hash(password)
        tenant = await self.login_tenant(session, user, tenant_id)
        return await self.open_session(session, user, tenant, client_address)

    async def login_tenant(self, session: AsyncSession, user: User, tenant_id: uuid.UUID | None) -> Tenant:
        """The tenant to log into: the one asked for, or the only one the user has."""
        await session.execute(select(func.set_config("app.user_id", str(user.id), True)))
        memberships = (
            await session.scalars(
                select(Membership).where(Membership.user_id == user.id, Membership.is_active)
            )
        ).all()
        if tenant_id is None:
            if len(memberships) != 1:
                raise DomainError(
                    ErrorCode.TENANT_REQUIRED,
                    f"You belong to {len(memberships)} tenants; pass tenantId to choose one.",
                    "tenantId",
                )
            tenant_id = memberships[0].tenant_id
        elif tenant_id not in {m.tenant_id for m in memberships}:
            raise not_found("tenant you belong to", "tenantId")
        await enter_tenant(session, tenant_id)
        return await session.get_one(Tenant, tenant_id)

    async def open_session(
        self, session: AsyncSession, user: User, tenant: Tenant, client_address: str | None
    ) -> SessionGrant:
        token = new_session_token()
        user_session = UserSession(
            user_id=user.id,
            token_hash=digest(token),
            active_tenant_id=tenant.id,
            expires_at=now() + self.session_ttl,
            client_address=client_address,
        )
        session.add(user_session)
        await session.flush()
        return SessionGrant(token=token, user=user, tenant=tenant, session_id=user_session.id)

    async def logout(self, session: AsyncSession, session_id: uuid.UUID) -> None:
        await session.execute(
            update(UserSession)
            .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
            .values(revoked_at=now())
        )

    async def switch_tenant(self, session: AsyncSession, actor: Actor, tenant_id: uuid.UUID) -> Tenant:
        if actor.session_id is None:
            raise DomainError(
                ErrorCode.PERMISSION_DENIED, "API keys are bound to one tenant and cannot switch."
            )
        user = await session.get_one(User, actor.user_id)
        tenant = await self.login_tenant(session, user, tenant_id)
        await session.execute(
            update(UserSession).where(UserSession.id == actor.session_id).values(active_tenant_id=tenant.id)
        )
        return tenant

    async def change_password(
        self, session: AsyncSession, actor: Actor, current_password: str, new_password: str
    ) -> None:
        """Sets a new password and revokes every other session of the user."""
        user = await session.get_one(User, actor.user_id)
        if not await self.passwords.verify(user.password_hash, current_password):
            raise DomainError(
                ErrorCode.INVALID_CREDENTIALS, "The current password is wrong.", "currentPassword"
            )
        check_password_policy(new_password, "newPassword")
        user.password_hash = await self.passwords.hash(new_password)
        user.password_changed_at = now()
        await session.execute(
            update(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.id != actor.session_id,
                UserSession.revoked_at.is_(None),
            )
            .values(revoked_at=now())
        )
        await audit.record(session, actor, "user.change_password", "user", user.id)

    # --- invitations -----------------------------------------------------------------------

    async def invite_user(self, session: AsyncSession, actor: Actor, email: str, role_key: str) -> Invite:
        actor.require_capability(Capability.MANAGE_USERS)
        email = email_address(email)
        role = await session.scalar(select(Role).where(Role.key == role_key))
        if role is None:
            raise DomainError(
                ErrorCode.NOT_FOUND, f"No role with key '{role_key}' in this tenant.", "roleKey"
            )
        existing = await user_by_email(session, email)
        if existing and await session.scalar(
            select(Membership.id).where(
                Membership.user_id == existing.id, Membership.tenant_id == actor.tenant_id
            )
        ):
            raise DomainError(
                ErrorCode.ALREADY_MEMBER, "This person is already a member of the tenant.", "email"
            )
        token = new_invite_token(actor.tenant_id)
        invitation = Invitation(
            tenant_id=actor.tenant_id,
            email=email,
            role_id=role.id,
            token_hash=digest(token),
            invited_by_id=actor.user_id,
            expires_at=now() + self.invite_ttl,
        )
        session.add(invitation)
        await session.flush()
        await audit.record(
            session,
            actor,
            "invitation.create",
            "invitation",
            invitation.id,
            {"email": [None, email], "role": [None, role_key]},
        )
        return Invite(invitation, token)

    async def accept_invite(
        self,
        session: AsyncSession,
        token: str,
        password: str,
        full_name: str | None,
        client_address: str | None,
    ) -> SessionGrant:
        """New people choose a password and name; existing users prove themselves with their password."""
        tenant_id = invite_tenant(token)
        if tenant_id is None:
            raise DomainError(ErrorCode.INVALID, "This is not an invitation token.", "token")
        await enter_tenant(session, tenant_id)
        invitation = await session.scalar(select(Invitation).where(Invitation.token_hash == digest(token)))
        if invitation is None or invitation.revoked_at or invitation.accepted_at:
            raise DomainError(
                ErrorCode.NOT_FOUND, "This invitation does not exist or was already used.", "token"
            )
        if invitation.expires_at < now():
            raise DomainError(ErrorCode.EXPIRED, "This invitation has expired; ask for a new one.", "token")
        user = await user_by_email(session, invitation.email)
        if user is None:
            full_name = required_text(full_name, "fullName", 200)
            check_password_policy(password)
            user = User(
                email=invitation.email, full_name=full_name, password_hash=await self.passwords.hash(password)
            )
            session.add(user)
        elif not await self.passwords.verify(user.password_hash, password):
            raise DomainError(
                ErrorCode.INVALID_CREDENTIALS, "Wrong password for the invited account.", "password"
            )
        await session.flush()
        session.add(Membership(tenant_id=tenant_id, user_id=user.id, role_id=invitation.role_id))
        invitation.accepted_at = now()
        await audit.record(
            session,
            None,
            "membership.create",
            "user",
            user.id,
            {"email": [None, user.email]},
            tenant_id=tenant_id,
            user_id=user.id,
        )
        tenant = await session.get_one(Tenant, tenant_id)
        return await self.open_session(session, user, tenant, client_address)

    # --- administration (CLI) -----------------------------------------------------------------

    async def add_member(
        self,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        email: str,
        full_name: str,
        password: str,
        role_key: str,
    ) -> User:
        """Operator path: create the user if new, then make them a member with the given role."""
        await enter_tenant(session, tenant_id)
        if await session.get(Tenant, tenant_id) is None:
            raise not_found("tenant", "tenantId")
        role = await session.scalar(select(Role).where(Role.key == role_key))
        if role is None:
            raise DomainError(ErrorCode.NOT_FOUND, f"No role with key '{role_key}'.", "role")
        email = email_address(email)
        user = await user_by_email(session, email)
        if user is None:
            check_password_policy(password)
            user = User(
                email=email,
                full_name=required_text(full_name, "fullName", 200),
                password_hash=await self.passwords.hash(password),
            )
            session.add(user)
            await session.flush()
        elif await session.scalar(select(Membership.id).where(Membership.user_id == user.id)):
            raise DomainError(ErrorCode.ALREADY_MEMBER, "This user is already a member.", "email")
        session.add(Membership(tenant_id=tenant_id, user_id=user.id, role_id=role.id))
        await audit.record(
            session, None, "membership.create", "user", user.id, {"email": [None, email]}, tenant_id=tenant_id
        )
        return user
