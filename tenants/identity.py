"""Sign-up, login, sessions, tenant switching and invitations.

Users are global; what they may do lives in per-tenant memberships. A session is a login of one user
with a current tenant; its token is random and stored only as a hash.

No answer of signUp or acceptInvite tells whether an email already has an account: every input is
checked (and the password hashed) before the account is looked up, and where an account exists the
answer is an empty success and the explanation goes to that mailbox. In production signUp answers the
same empty success for a new email too: it emails a confirmation token, and confirmSignUp creates the
account. A password is never checked here:
an existing user accepts an invitation signed in as themselves (the invitation's address must be theirs).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from tenants import audit
from tenants.db import enter_tenant
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.ids import new_id
from tenants.locales import DEFAULT_LOCALE, regional_defaults
from tenants.mail import Mail, Mailer, MailUnavailable
from tenants.models import (
    Invitation,
    Membership,
    PendingSignUp,
    Role,
    Tenant,
    TenantRegistry,
    User,
    UserSession,
)
from tenants.passwords import Passwords, check_password_policy
from tenants.permissions import BUILTIN_ROLES, Actor, Capability, Permissions, builtin_permissions
from tenants.provisioning import provision_tenant
from tenants.throttle import LoginThrottle
from tenants.tokens import digest, invite_tenant, new_invite_token, new_session_token, new_sign_up_token
from tenants.validation import account_email, required_text


@dataclass(frozen=True)
class SessionGrant:
    token: str
    user: User
    tenant: Tenant
    session_id: uuid.UUID
    # Every tenant the user may act in (login fills it, for a tenant chooser and `switchTenant`).
    tenants: tuple[Tenant, ...] = ()


@dataclass(frozen=True)
class Invite:
    invitation: Invitation
    token: str | None  # None in production: the token went to the invitee's mailbox only


@dataclass(frozen=True)
class Joined:
    """A signed-in user accepted an invitation: a member now, reached with switchTenant."""

    user: User
    tenant: Tenant


@dataclass(frozen=True)
class MailSettings:
    """What identity mail needs: the sender, whether the inviter may see tokens (development), the
    client page that accepts invitations (`{token}` is replaced; empty: the token alone is sent), whether
    public sign-ups wait for an emailed confirmation (production) and the page that confirms them."""

    mailer: Mailer
    show_invite_tokens: bool = True
    invite_url: str = ""
    confirm_sign_ups: bool = False
    sign_up_url: str = ""


def now() -> datetime:
    return datetime.now(UTC)


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(func.lower(User.email) == email.lower()))


async def member_tenants(session: AsyncSession, user_id: uuid.UUID) -> list[Tenant]:
    """Tenants of the user's active memberships, by name (visible to them through `app.user_id`)."""
    await session.execute(select(func.set_config("app.user_id", str(user_id), True)))
    return list(
        await session.scalars(
            select(Tenant)
            .join(Membership, Membership.tenant_id == Tenant.id)
            .where(Membership.user_id == user_id, Membership.is_active)
            .order_by(Tenant.name, Tenant.id)
        )
    )


def role_permissions(role: Role) -> Permissions:
    return builtin_permissions(role.key) if role.is_builtin else Permissions.from_json(role.permissions)


async def role_by_key(session: AsyncSession, tenant_id: uuid.UUID, key: str, field: str = "roleKey") -> Role:
    """The tenant's role with this key (a user in two tenants also sees their other tenant's roles)."""
    role = await session.scalar(select(Role).where(Role.tenant_id == tenant_id, Role.key == key))
    if role is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"No role with key '{key}' in this tenant.", field)
    return role


class Identity:
    def __init__(
        self,
        passwords: Passwords,
        throttle: LoginThrottle,
        session_ttl: timedelta,
        invite_ttl: timedelta,
        mail: MailSettings,
        sign_up_ttl: timedelta = timedelta(hours=24),
    ) -> None:
        self.passwords = passwords
        self.throttle = throttle
        self.session_ttl = session_ttl
        self.invite_ttl = invite_ttl
        self.sign_up_ttl = sign_up_ttl
        self.mail = mail

    # --- sign-up and login ---------------------------------------------------------------

    async def sign_up(
        self,
        session: AsyncSession,
        tenant_name: str,
        email: str,
        password: str,
        full_name: str,
        client_address: str | None,
        notify_existing: bool = False,
        locale: str | None = None,
        base_currency: str | None = None,
    ) -> SessionGrant | None:
        """A tenant with its first admin. For an email that has an account: EMAIL_TAKEN for operators
        (the CLI), or with `notify_existing` (the public API) None, the explanation sent by email.
        The public API with `confirm_sign_ups` (production) creates nothing: a new email gets a
        confirmation link (`confirm_sign_up` then creates the account) and the answer is None too.
        `locale` defaults to en-US; `base_currency` to the currency of the locale's country."""
        tenant_name = required_text(tenant_name, "tenantName", 200)
        full_name = required_text(full_name, "fullName", 200)
        email = account_email(email)
        check_password_policy(password)
        locale, base_currency = regional_defaults(locale, base_currency)
        confirm = notify_existing and self.mail.confirm_sign_ups
        if confirm and not self.mail.mailer.can_deliver:
            # Refused for every email alike, before any lookup: the answer tells nothing about accounts.
            raise DomainError(
                ErrorCode.MAIL_UNAVAILABLE,
                "The confirmation email could not be sent; try again later.",
                "email",
            )
        existing = await user_by_email(session, email)
        password_hash = await self.passwords.hash(password)  # hashed either way: the same work
        if existing and notify_existing:
            self.mail.mailer.send_later(account_exists_mail(existing.email))
            return None
        if existing:
            raise DomainError(
                ErrorCode.EMAIL_TAKEN,
                "An account with this email exists; log in and create a tenant.",
                "email",
            )
        form = PendingSignUp(
            email=email,
            full_name=full_name,
            password_hash=password_hash,
            tenant_name=tenant_name,
            locale=locale,
            base_currency=base_currency,
        )
        if confirm:
            token = new_sign_up_token()
            form.token_hash, form.expires_at = digest(token), now() + self.sign_up_ttl
            session.add(form)
            await session.flush()
            # Sent like the "already have an account" notice (at once, failures logged) so both answers
            # are alike in content and time.
            mail = sign_up_confirmation_mail(email, tenant_name, token, self.mail.sign_up_url)
            self.mail.mailer.send_later(mail)
            return None
        return await self.create_account(session, form, client_address)

    async def confirm_sign_up(
        self, session: AsyncSession, token: str, client_address: str | None
    ) -> SessionGrant | None:
        """Creates what a confirmed sign-up asked for and opens a session. The token works once; if the
        email got an account meanwhile, nothing is created, None, and that mailbox is told (as signUp)."""
        form = await session.scalar(
            select(PendingSignUp).where(PendingSignUp.token_hash == digest(token)).with_for_update()
        )
        if form is None or form.used_at is not None:
            raise DomainError(
                ErrorCode.NOT_FOUND, "This sign-up confirmation does not exist or was already used.", "token"
            )
        if form.expires_at < now():
            raise DomainError(
                ErrorCode.EXPIRED, "This sign-up confirmation has expired; sign up again.", "token"
            )
        form.used_at = now()
        await session.flush()
        existing = await user_by_email(session, form.email)
        if existing is not None:
            self.mail.mailer.send_later(account_exists_mail(existing.email))
            return None
        return await self.create_account(session, form, client_address)

    async def create_account(
        self, session: AsyncSession, form: PendingSignUp, client_address: str | None
    ) -> SessionGrant:
        """The user, their tenant and admin membership from a checked sign-up; a session for them."""
        user = User(email=form.email, full_name=form.full_name, password_hash=form.password_hash)
        session.add(user)
        tenant = await self.create_tenant(session, form.tenant_name, form.locale, form.base_currency)
        admin_role = await role_by_key(session, tenant.id, "admin")
        session.add(Membership(tenant_id=tenant.id, user_id=user.id, role_id=admin_role.id))
        await session.flush()
        await audit.record(
            session,
            None,
            "tenant.create",
            "tenant",
            tenant.id,
            {
                "name": [None, form.tenant_name],
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

    async def login_tenant(self, session: AsyncSession, user: User, tenant_id: uuid.UUID | None) -> Tenant:
        """The tenant to act in: the one asked for (if the user belongs to it), else as `choose_tenant`."""
        return await self.choose_tenant(session, user, await member_tenants(session, user.id), tenant_id)

    async def choose_tenant(
        self, session: AsyncSession, user: User, tenants: list[Tenant], tenant_id: uuid.UUID | None
    ) -> Tenant:
        """The tenant asked for, or without one the tenant of the user's latest session (else the first
        by name): a member of several tenants logs in without knowing an id and switches with the list
        the login answers."""
        by_id = {tenant.id: tenant for tenant in tenants}
        if tenant_id is None:
            if not tenants:
                raise DomainError(
                    ErrorCode.TENANT_REQUIRED, "You are not an active member of any tenant.", "tenantId"
                )
            last = await session.scalar(
                select(UserSession.active_tenant_id)
                .where(UserSession.user_id == user.id)
                .order_by(UserSession.created_at.desc())
                .limit(1)
            )
            tenant_id = last if last in by_id else tenants[0].id
        elif tenant_id not in by_id:
            raise not_found("tenant you belong to", "tenantId")
        await enter_tenant(session, tenant_id, user.id)
        return by_id[tenant_id]

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
        email = account_email(email)
        role = await role_by_key(session, actor.tenant_id, role_key)
        actor.require_covers(role_permissions(role), "roleKey", "This role")
        existing = await user_by_email(session, email)
        if existing and await self.is_member(session, actor.tenant_id, existing.id):
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
        tenant = await session.get_one(Tenant, actor.tenant_id)
        try:
            await self.mail.mailer.send(invitation_mail(email, tenant.name, token, self.mail.invite_url))
        except MailUnavailable:
            raise DomainError(
                ErrorCode.MAIL_UNAVAILABLE,
                "The invitation email could not be sent; try again later.",
                "email",
            ) from None
        return Invite(invitation, token if self.mail.show_invite_tokens else None)

    async def accept_invite(
        self,
        session: AsyncSession,
        actor: Actor | None,
        token: str,
        password: str | None,
        full_name: str | None,
        client_address: str | None,
    ) -> SessionGrant | Joined | None:
        """Signed in (`actor`): the invitation's address must be the user's own; they join and stay in
        their session (switchTenant enters the new tenant). Signed out: a new person chooses a name and
        password and gets a session; if the address already has an account nothing changes, the answer
        is None and that mailbox is told to sign in and accept. No password is ever checked here."""
        tenant_id = invite_tenant(token)
        if tenant_id is None:
            raise DomainError(ErrorCode.INVALID, "This is not an invitation token.", "token")
        if actor is not None and actor.session_id is None:
            raise DomainError(ErrorCode.PERMISSION_DENIED, "API keys cannot accept invitations.", "token")
        if actor is None:
            full_name = required_text(full_name, "fullName", 200)
            check_password_policy(password or "")
        await enter_tenant(session, tenant_id)
        invitation = await self.pending_invitation(session, token)
        tenant = await session.get_one(Tenant, tenant_id)
        if actor is not None:
            user = await session.get_one(User, actor.user_id)
            if user.email.lower() != invitation.email.lower():
                raise DomainError(
                    ErrorCode.PERMISSION_DENIED,
                    "This invitation was sent to another address: sign in as its recipient.",
                    "token",
                )
            if await self.is_member(session, tenant_id, user.id):
                raise DomainError(
                    ErrorCode.ALREADY_MEMBER, "You are already a member of this tenant.", "token"
                )
            await self.join(session, invitation, user)
            # Back to the tenant the session acts in, for the request's other fields.
            await enter_tenant(session, actor.tenant_id, actor.user_id)
            return Joined(user, tenant)
        existing = await user_by_email(session, invitation.email)
        password_hash = await self.passwords.hash(password or "")  # hashed either way: the same work
        if existing is not None:
            self.mail.mailer.send_later(sign_in_to_accept_mail(existing.email, tenant.name))
            return None
        user = User(email=invitation.email, full_name=full_name, password_hash=password_hash)
        session.add(user)
        await session.flush()
        await self.join(session, invitation, user)
        return await self.open_session(session, user, tenant, client_address)

    async def pending_invitation(self, session: AsyncSession, token: str) -> Invitation:
        invitation = await session.scalar(select(Invitation).where(Invitation.token_hash == digest(token)))
        if invitation is None or invitation.revoked_at or invitation.accepted_at:
            raise DomainError(
                ErrorCode.NOT_FOUND, "This invitation does not exist or was already used.", "token"
            )
        if invitation.expires_at < now():
            raise DomainError(ErrorCode.EXPIRED, "This invitation has expired; ask for a new one.", "token")
        if not await self.inviter_still_covers(session, invitation):
            raise DomainError(
                ErrorCode.EXPIRED,
                "This invitation lapsed: its sender no longer holds its role. Ask for a new one.",
                "token",
            )
        return invitation

    @staticmethod
    async def inviter_still_covers(session: AsyncSession, invitation: Invitation) -> bool:
        """An invitation grants no more than its sender holds now (like an API key its creator)."""
        inviter_role, invited_role = aliased(Role), aliased(Role)
        row = (
            await session.execute(
                select(Membership.is_active, inviter_role, invited_role)
                .join(
                    inviter_role,
                    (inviter_role.tenant_id == Membership.tenant_id)
                    & (inviter_role.id == Membership.role_id),
                )
                .join(
                    invited_role,
                    (invited_role.tenant_id == Membership.tenant_id)
                    & (invited_role.id == invitation.role_id),
                )
                .where(
                    Membership.tenant_id == invitation.tenant_id,
                    Membership.user_id == invitation.invited_by_id,
                )
            )
        ).one_or_none()
        return row is not None and row.is_active and role_permissions(row[1]).covers(role_permissions(row[2]))

    async def join(self, session: AsyncSession, invitation: Invitation, user: User) -> None:
        session.add(Membership(tenant_id=invitation.tenant_id, user_id=user.id, role_id=invitation.role_id))
        invitation.accepted_at = now()
        await audit.record(
            session,
            None,
            "membership.create",
            "user",
            user.id,
            {"email": [None, user.email]},
            tenant_id=invitation.tenant_id,
            user_id=user.id,
        )

    @staticmethod
    async def is_member(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        found = await session.scalar(
            select(Membership.id).where(Membership.tenant_id == tenant_id, Membership.user_id == user_id)
        )
        return found is not None

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
        role = await role_by_key(session, tenant_id, role_key, "role")
        email = account_email(email)
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
        elif await self.is_member(session, tenant_id, user.id):
            raise DomainError(ErrorCode.ALREADY_MEMBER, "This user is already a member.", "email")
        session.add(Membership(tenant_id=tenant_id, user_id=user.id, role_id=role.id))
        await audit.record(
            session, None, "membership.create", "user", user.id, {"email": [None, email]}, tenant_id=tenant_id
        )
        return user


# --- identity mail ------------------------------------------------------------------------------


def invitation_mail(email: str, tenant_name: str, token: str, invite_url: str) -> Mail:
    link = invite_url.replace("{token}", token) if invite_url else ""
    how = f"Open {link} to accept." if link else f"Accept it with this invitation token:\n\n{token}"
    return Mail(
        email,
        f"You are invited to {tenant_name}",
        f"You were invited to join {tenant_name}. {how}\n\nIf you already have an account, sign in first "
        "and accept while signed in; otherwise you choose your name and password when accepting.",
    )


def sign_in_to_accept_mail(email: str, tenant_name: str) -> Mail:
    return Mail(
        email,
        f"Sign in to join {tenant_name}",
        f"Someone tried to accept your invitation to {tenant_name} without signing in. This address already "
        "has an account, so nothing was changed: sign in and accept the invitation again while signed in.",
    )


def sign_up_confirmation_mail(email: str, tenant_name: str, token: str, sign_up_url: str) -> Mail:
    link = sign_up_url.replace("{token}", token) if sign_up_url else ""
    how = f"Open {link} to confirm." if link else f"Confirm it with this token:\n\n{token}"
    return Mail(
        email,
        "Confirm your sign-up",
        f"Someone (perhaps you) signed up with this address to create {tenant_name}. {how}\n\nNothing is "
        "created until you confirm. If this was not you, you can ignore this message.",
    )


def account_exists_mail(email: str) -> Mail:
    return Mail(
        email,
        "You already have an account",
        "Someone (perhaps you) tried to sign up with this address, which already has an account, so no new "
        "account was created: sign in instead. If this was not you, you can ignore this message.",
    )
