"""Roles, teams and members as GraphQL: types, inputs, and the AccessQuery / AccessMutation roots."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from enum import Enum
from typing import Annotated, Any

import strawberry
from sqlalchemy import func, select
from strawberry import UNSET, relay

from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload, payload_errors
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id, encode_id, nodes_in_order
from graph.core.pagination import Connection, connection_of
from graph.identity.loaders import users_by_id
from graph.identity.types import User
from tenants import models
from tenants.access import members, roles, teams
from tenants.identity import role_permissions
from tenants.permissions import Action, Capability, FieldAccess, Scope


def mirror(name: str, source: type[Enum], description: str) -> Any:
    """A GraphQL enum mirroring a domain StrEnum (the domain enum stays free of Strawberry)."""
    return strawberry.enum(Enum(name, {m.name: m.value for m in source}), description=description)  # type: ignore[misc]


RoleAction = mirror("RoleAction", Action, "What a role may do with records of one type.")
RecordScope = mirror(
    "RecordScope", Scope, "Which records: OWN, TEAM (the member's team), TEAM_TREE (and subteams), ALL."
)
CapabilityName = mirror("CapabilityName", Capability, "Tenant-wide rights beyond records.")
FieldAccessRule = mirror("FieldAccessRule", FieldAccess, "HIDDEN: absent from every result; READ_ONLY.")

RoleId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a TenantRole.")]
TeamId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Team.")]
UserId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a User.")]
Version = Annotated[int, strawberry.argument(description="The `version` you last read.")]


@strawberry.type(description="A field-level rule of a role.")
class FieldRule:
    field: str = strawberry.field(description="Built-in GraphQL field name or custom.<key>.")
    access: FieldAccessRule = strawberry.field(description="Hidden or read-only.")  # type: ignore[valid-type]


@strawberry.type(description="What a role allows on one object type.")
class RoleGrant:
    object_type: str = strawberry.field(description="The object type, e.g. account, opportunity.")
    actions: list[RoleAction] = strawberry.field(description="What the role may do.")  # type: ignore[valid-type]
    scope: RecordScope = strawberry.field(description="Which records it reaches.")  # type: ignore[valid-type]
    fields: list[FieldRule] = strawberry.field(description="Hidden and read-only fields.")


@strawberry.type(description="A role of this tenant: built in (fixed) or custom.")
class TenantRole(relay.Node):
    id: relay.NodeID[str]
    key: str = strawberry.field(description="Stable key (built in: admin, manager, sales, viewer).")
    name: str = strawberry.field(description="Display name.")
    is_builtin: bool = strawberry.field(description="Built-in roles cannot be changed or deleted.")
    version: int = strawberry.field(description="Optimistic-concurrency version; pass it to updateRole.")
    grants: list[RoleGrant] = strawberry.field(description="What the role allows per object type.")
    capabilities: list[CapabilityName] = strawberry.field(  # type: ignore[valid-type]
        description="Tenant-wide rights the role holds."
    )
    _role_id: strawberry.Private[uuid.UUID]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """Roles of the current tenant, for members who may see them (as `roles`); else null."""
        actor = info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, TenantRole]:
            if not roles.may_list_roles(actor):
                return {}
            rows = await (await info.context.session()).scalars(
                select(models.Role).where(models.Role.tenant_id == actor.tenant_id, models.Role.id.in_(ids))
            )
            return {role.id: cls.from_model(role) for role in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, role: models.Role) -> TenantRole:
        permissions = role_permissions(role)
        return cls(
            id=str(role.id),
            key=role.key,
            name=role.name,
            is_builtin=role.is_builtin,
            version=role.version,
            grants=[
                RoleGrant(
                    object_type=name,
                    actions=[RoleAction(a.value) for a in sorted(grant.actions)],
                    scope=RecordScope(grant.scope.value),
                    fields=[
                        FieldRule(field=f, access=FieldAccessRule(r.value))
                        for f, r in sorted(grant.fields.items())
                    ],
                )
                for name, grant in sorted(permissions.objects.items())
            ],
            capabilities=[CapabilityName(c.value) for c in sorted(permissions.capabilities)],
            _role_id=role.id,
        )

    @strawberry.field(description="Members holding this role.")
    async def member_count(self, info: Info) -> int:
        session = await info.context.session()
        count = await session.scalar(
            select(func.count())
            .select_from(models.Membership)
            .where(models.Membership.role_id == self._role_id)
        )
        return int(count or 0)


@strawberry.type(description="A team; teams nest under a parent.")
class Team(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Display name.")
    parent_id: strawberry.ID | None = strawberry.field(description="Global id of the parent Team.")
    version: int = strawberry.field(description="Optimistic-concurrency version; pass it to updateTeam.")

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """Teams of the current tenant: every member sees the team structure (as `teams`)."""

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, Team]:
            rows = await (await info.context.session()).scalars(
                select(models.Team).where(
                    models.Team.tenant_id == info.context.actor.tenant_id, models.Team.id.in_(ids)
                )
            )
            return {team.id: cls.from_model(team) for team in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, team: models.Team) -> Team:
        parent = str(encode_id("Team", team.parent_id)) if team.parent_id else None
        return cls(
            id=str(team.id),
            name=team.name,
            parent_id=strawberry.ID(parent) if parent else None,
            version=team.version,
        )


@strawberry.type(description="A member of this tenant as administrators see it.")
class TenantMember:
    user_id: strawberry.ID = strawberry.field(description="The member's User `id`.")
    role_key: str = strawberry.field(description="The member's role.")
    team_id: strawberry.ID | None = strawberry.field(description="The member's Team `id`; null: no team.")
    is_active: bool = strawberry.field(description="False once deactivated (no access to this tenant).")
    _user_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, membership: models.Membership, role_key: str) -> TenantMember:
        team = str(encode_id("Team", membership.team_id)) if membership.team_id else None
        return cls(
            user_id=strawberry.ID(str(encode_id("User", membership.user_id))),
            role_key=role_key,
            team_id=strawberry.ID(team) if team else None,
            is_active=membership.is_active,
            _user_id=membership.user_id,
        )

    @strawberry.field(description="The member as a User.")
    async def user(self, info: Info) -> User | None:
        return await info.context.loader("users_by_id", users_by_id).load(self._user_id)


@strawberry.input(description="A field rule: hide a field or make it read-only.")
class FieldRuleInput:
    field: str = strawberry.field(description="Built-in GraphQL field name (e.g. industry) or custom.<key>.")
    access: FieldAccessRule = strawberry.field(description="Hidden or read-only.")  # type: ignore[valid-type]


@strawberry.input(description="What the role allows on one object type (types left out: nothing).")
class RoleGrantInput:
    object_type: str = strawberry.field(description="The object type, e.g. account, opportunity.")
    actions: list[RoleAction] = strawberry.field(description="What the role may do.")  # type: ignore[valid-type]
    scope: RecordScope = strawberry.field(description="Which records it reaches.")  # type: ignore[valid-type]
    fields: list[FieldRuleInput] = strawberry.field(
        default_factory=list, description="Fields to hide or keep read-only."
    )


@strawberry.input(description="A new custom role.")
class CreateRoleInput:
    key: str = strawberry.field(description="Stable key, 2-64 of a-z, 0-9, _ or -; not a built-in key.")
    name: str = strawberry.field(description="Display name (1-200 characters).")
    grants: list[RoleGrantInput] = strawberry.field(description="What it allows; types left out: nothing.")
    capabilities: list[CapabilityName] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Tenant-wide rights; you must hold each."
    )


@strawberry.input(description="Changes to a custom role; grants and capabilities replace the old ones.")
class UpdateRoleInput:
    name: str | None = strawberry.field(default=UNSET, description="New display name; left out: unchanged.")
    grants: list[RoleGrantInput] | None = strawberry.field(
        default=UNSET, description="Replaces every grant; left out: unchanged."
    )
    capabilities: list[CapabilityName] | None = strawberry.field(  # type: ignore[valid-type]
        default=UNSET, description="Replaces the capabilities; left out: unchanged."
    )


@strawberry.input(description="A team.")
class TeamInput:
    name: str | None = strawberry.field(default=UNSET, description="Display name; left out: unchanged.")
    parent_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Parent Team; null: top.")


def grant_values(grants: list[RoleGrantInput] | None) -> list[dict[str, Any]] | None:
    if grants in (None, UNSET):
        return None
    return [
        {
            "object_type": g.object_type,
            "actions": [a.value for a in g.actions],
            "scope": g.scope.value,
            "fields": {rule.field: rule.access.value for rule in g.fields},
        }
        for g in grants  # type: ignore[union-attr]
    ]


def capability_values(given: Any) -> list[str] | None:
    return None if given in (None, UNSET) else [c.value for c in given]


def team_values(given: TeamInput) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if given.name is not UNSET:
        values["name"] = given.name
    if given.parent_id is not UNSET:
        values["parent_id"] = decode_id(given.parent_id, "Team", "parentId") if given.parent_id else None
    return values


@strawberry.type(description="Result of a role mutation.")
class RolePayload:
    role: TenantRole | None = strawberry.field(default=None, description="The role after the change.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of a team mutation.")
class TeamPayload:
    team: Team | None = strawberry.field(default=None, description="The team after the change.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of a member mutation.")
class MemberPayload:
    member: TenantMember | None = strawberry.field(default=None, description="The member after the change.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="How many records of each object type changed owner.")
class ReassignedCount:
    object_type: str = strawberry.field(description="The object type, e.g. account.")
    count: int = strawberry.field(description="How many of its records changed owner.")


@strawberry.type(description="Result of reassignRecords.")
class ReassignRecordsPayload:
    reassigned: list[ReassignedCount] | None = strawberry.field(
        default=None, description="Per object type, how many records moved."
    )
    errors: list[UserError] = payload_errors()


async def member_payload(info: Info, membership: models.Membership) -> MemberPayload:
    session = await info.context.session()
    role = await roles.get_role(session, membership.tenant_id, membership.role_id)
    return MemberPayload(member=TenantMember.from_model(membership, role.key))


@strawberry.type
class AccessQuery:
    @strawberry.field(description="Roles of this tenant (needs manage_roles or manage_users).")
    async def roles(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[TenantRole]:
        session, actor = await info.context.session(), info.context.actor
        found = [TenantRole.from_model(role) for role in await roles.list_roles(session, actor)]
        return connection_of(found, lambda role: role.id, first, after, last, before)

    @strawberry.field(description="Teams of this tenant, by name.")
    async def teams(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Team]:
        session, actor = await info.context.session(), info.context.actor
        found = [Team.from_model(team) for team in await teams.list_teams(session, actor)]
        return connection_of(found, lambda team: team.id, first, after, last, before)

    @strawberry.field(description="Members with role, team and status (needs manage_users).")
    async def tenant_members(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[TenantMember]:
        session, actor = await info.context.session(), info.context.actor
        found = [
            TenantMember.from_model(m, role.key) for m, role in await members.list_members(session, actor)
        ]
        return connection_of(found, lambda member: member.user_id, first, after, last, before)


@strawberry.type
class AccessMutation:
    @strawberry.mutation(description="Create a custom role (needs manage_roles).")
    @mutation_payload(RolePayload)
    async def create_role(
        self, info: Info, input: Annotated[CreateRoleInput, strawberry.argument(description="The role.")]
    ) -> RolePayload:
        session, actor = await info.context.session(), info.context.actor
        values = {
            "key": input.key,
            "name": input.name,
            "objects": grant_values(input.grants),
            "capabilities": capability_values(input.capabilities),
        }
        return RolePayload(role=TenantRole.from_model(await roles.create_role(session, actor, values)))

    @strawberry.mutation(description="Change a custom role; built-in roles are fixed.")
    @mutation_payload(RolePayload)
    async def update_role(
        self,
        info: Info,
        id: RoleId,
        version: Version,
        input: Annotated[UpdateRoleInput, strawberry.argument(description="What to change.")],
    ) -> RolePayload:
        session, actor = await info.context.session(), info.context.actor
        values = {
            "name": None if input.name is UNSET else input.name,
            "objects": grant_values(input.grants),
            "capabilities": capability_values(input.capabilities),
        }
        role = await roles.update_role(session, actor, decode_id(id, "TenantRole"), version, values)
        return RolePayload(role=TenantRole.from_model(role))

    @strawberry.mutation(description="Delete a custom role nobody uses.")
    @mutation_payload(RolePayload)
    async def delete_role(self, info: Info, id: RoleId) -> RolePayload:
        session, actor = await info.context.session(), info.context.actor
        return RolePayload(
            role=TenantRole.from_model(await roles.delete_role(session, actor, decode_id(id, "TenantRole")))
        )

    @strawberry.mutation(description="Give a member a role (needs manage_users and manage_roles).")
    @mutation_payload(MemberPayload)
    async def assign_role(self, info: Info, user_id: UserId, role_id: RoleId) -> MemberPayload:
        session, actor = await info.context.session(), info.context.actor
        membership = await members.assign_role(
            session, actor, decode_id(user_id, "User", "userId"), decode_id(role_id, "TenantRole", "roleId")
        )
        return await member_payload(info, membership)

    @strawberry.mutation(description="Create a team (needs manage_users).")
    @mutation_payload(TeamPayload)
    async def create_team(
        self, info: Info, input: Annotated[TeamInput, strawberry.argument(description="The team.")]
    ) -> TeamPayload:
        session, actor = await info.context.session(), info.context.actor
        return TeamPayload(team=Team.from_model(await teams.create_team(session, actor, team_values(input))))

    @strawberry.mutation(description="Rename a team or move it under another (no cycles).")
    @mutation_payload(TeamPayload)
    async def update_team(
        self,
        info: Info,
        id: TeamId,
        version: Version,
        input: Annotated[TeamInput, strawberry.argument(description="What to change.")],
    ) -> TeamPayload:
        session, actor = await info.context.session(), info.context.actor
        team = await teams.update_team(session, actor, decode_id(id, "Team"), version, team_values(input))
        return TeamPayload(team=Team.from_model(team))

    @strawberry.mutation(description="Delete a team without members or subteams.")
    @mutation_payload(TeamPayload)
    async def delete_team(self, info: Info, id: TeamId) -> TeamPayload:
        session, actor = await info.context.session(), info.context.actor
        return TeamPayload(
            team=Team.from_model(await teams.delete_team(session, actor, decode_id(id, "Team")))
        )

    @strawberry.mutation(description="Put a member in a team, or in none (teamId null).")
    @mutation_payload(MemberPayload)
    async def set_member_team(
        self,
        info: Info,
        user_id: UserId,
        team_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="The Team; null: no team.")
        ] = None,
    ) -> MemberPayload:
        session, actor = await info.context.session(), info.context.actor
        team = decode_id(team_id, "Team", "teamId") if team_id is not None else None
        membership = await members.set_member_team(session, actor, decode_id(user_id, "User", "userId"), team)
        return await member_payload(info, membership)

    @strawberry.mutation(
        description="Deactivate a member: access ends at once (sessions and their API keys revoked)."
    )
    @mutation_payload(MemberPayload)
    async def deactivate_member(self, info: Info, user_id: UserId) -> MemberPayload:
        session, actor = await info.context.session(), info.context.actor
        membership = await members.deactivate_member(session, actor, decode_id(user_id, "User", "userId"))
        return await member_payload(info, membership)

    @strawberry.mutation(description="Let a deactivated member in again (they log in anew).")
    @mutation_payload(MemberPayload)
    async def reactivate_member(self, info: Info, user_id: UserId) -> MemberPayload:
        session, actor = await info.context.session(), info.context.actor
        membership = await members.reactivate_member(session, actor, decode_id(user_id, "User", "userId"))
        return await member_payload(info, membership)

    @strawberry.mutation(
        description="Hand every record owned by one member to another, one statement per type."
    )
    @mutation_payload(ReassignRecordsPayload)
    async def reassign_records(
        self, info: Info, from_user_id: UserId, to_user_id: UserId
    ) -> ReassignRecordsPayload:
        session, actor = await info.context.session(), info.context.actor
        counts = await members.reassign_records(
            session,
            actor,
            decode_id(from_user_id, "User", "fromUserId"),
            decode_id(to_user_id, "User", "toUserId"),
        )
        return ReassignRecordsPayload(
            reassigned=[ReassignedCount(object_type=k, count=v) for k, v in counts.items()]
        )
