"""Roles, teams and members as GraphQL: types, inputs, and the AccessQuery / AccessMutation roots."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Annotated, Any

import strawberry
from sqlalchemy import func, select
from strawberry import UNSET, relay

from graph.core.context import RequestContext
from graph.core.errors import UserError, mutation_payload, payload_errors
from graph.core.ids import decode_id, encode_id
from graph.identity.loaders import users_by_id
from graph.identity.types import User
from tenants import models
from tenants.access import members, roles, teams
from tenants.identity import role_permissions
from tenants.permissions import Action, Capability, FieldAccess, Scope

Info = strawberry.Info[RequestContext, None]


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
    access: FieldAccessRule  # type: ignore[valid-type]


@strawberry.type(description="What a role allows on one object type.")
class RoleGrant:
    object_type: str
    actions: list[RoleAction]  # type: ignore[valid-type]
    scope: RecordScope  # type: ignore[valid-type]
    fields: list[FieldRule]


@strawberry.type(description="A role of this tenant: built in (fixed) or custom.")
class TenantRole:
    id: strawberry.ID
    key: str
    name: str
    is_builtin: bool
    version: int
    grants: list[RoleGrant]
    capabilities: list[CapabilityName]  # type: ignore[valid-type]
    _id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, role: models.Role) -> TenantRole:
        permissions = role_permissions(role)
        return cls(
            id=strawberry.ID(str(encode_id("TenantRole", role.id))),
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
            _id=role.id,
        )

    @strawberry.field(description="Members holding this role.")
    async def member_count(self, info: Info) -> int:
        session = await info.context.session()
        count = await session.scalar(
            select(func.count()).select_from(models.Membership).where(models.Membership.role_id == self._id)
        )
        return int(count or 0)


@strawberry.type(description="A team; teams nest under a parent.")
class Team:
    id: strawberry.ID
    name: str
    parent_id: strawberry.ID | None = strawberry.field(description="Global id of the parent Team.")
    version: int

    @classmethod
    def from_model(cls, team: models.Team) -> Team:
        parent = str(encode_id("Team", team.parent_id)) if team.parent_id else None
        return cls(
            id=strawberry.ID(str(encode_id("Team", team.id))),
            name=team.name,
            parent_id=strawberry.ID(parent) if parent else None,
            version=team.version,
        )


@strawberry.type(description="A member of this tenant as administrators see it.")
class TenantMember:
    user_id: strawberry.ID
    role_key: str
    team_id: strawberry.ID | None
    is_active: bool
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

    @strawberry.field
    async def user(self, info: Info) -> User | None:
        return await info.context.loader("users_by_id", users_by_id).load(self._user_id)


@strawberry.input(description="A field rule: hide a field or make it read-only.")
class FieldRuleInput:
    field: str = strawberry.field(description="Built-in GraphQL field name (e.g. industry) or custom.<key>.")
    access: FieldAccessRule  # type: ignore[valid-type]


@strawberry.input(description="What the role allows on one object type (types left out: nothing).")
class RoleGrantInput:
    object_type: str
    actions: list[RoleAction]  # type: ignore[valid-type]
    scope: RecordScope  # type: ignore[valid-type]
    fields: list[FieldRuleInput] = strawberry.field(default_factory=list)


@strawberry.input(description="A new custom role.")
class CreateRoleInput:
    key: str = strawberry.field(description="Stable key, 2-64 of a-z, 0-9, _ or -; not a built-in key.")
    name: str
    grants: list[RoleGrantInput]
    capabilities: list[CapabilityName] = strawberry.field(default_factory=list)  # type: ignore[valid-type]


@strawberry.input(description="Changes to a custom role; grants and capabilities replace the old ones.")
class UpdateRoleInput:
    name: str | None = UNSET
    grants: list[RoleGrantInput] | None = UNSET
    capabilities: list[CapabilityName] | None = UNSET  # type: ignore[valid-type]


@strawberry.input(description="A team.")
class TeamInput:
    name: str | None = UNSET
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


@strawberry.type
class RolePayload:
    role: TenantRole | None = None
    errors: list[UserError] = payload_errors()


@strawberry.type
class TeamPayload:
    team: Team | None = None
    errors: list[UserError] = payload_errors()


@strawberry.type
class MemberPayload:
    member: TenantMember | None = None
    errors: list[UserError] = payload_errors()


@strawberry.type(description="How many records of each object type changed owner.")
class ReassignedCount:
    object_type: str
    count: int


@strawberry.type
class ReassignRecordsPayload:
    reassigned: list[ReassignedCount] | None = None
    errors: list[UserError] = payload_errors()


async def member_payload(info: Info, membership: models.Membership) -> MemberPayload:
    session = await info.context.session()
    role = await roles.get_role(session, membership.tenant_id, membership.role_id)
    return MemberPayload(member=TenantMember.from_model(membership, role.key))


@strawberry.type
class AccessQuery:
    @strawberry.field(description="Roles of this tenant (needs manage_roles or manage_users).")
    async def roles(self, info: Info) -> list[TenantRole]:
        session, actor = await info.context.session(), info.context.actor
        return [TenantRole.from_model(role) for role in await roles.list_roles(session, actor)]

    @strawberry.field(description="Teams of this tenant, by name.")
    async def teams(self, info: Info) -> list[Team]:
        session, actor = await info.context.session(), info.context.actor
        return [Team.from_model(team) for team in await teams.list_teams(session, actor)]

    @strawberry.field(description="Members with role, team and status (needs manage_users).")
    async def tenant_members(self, info: Info) -> list[TenantMember]:
        session, actor = await info.context.session(), info.context.actor
        return [
            TenantMember.from_model(m, role.key) for m, role in await members.list_members(session, actor)
        ]


@strawberry.type
class AccessMutation:
    @strawberry.mutation(description="Create a custom role (needs manage_roles).")
    @mutation_payload(RolePayload)
    async def create_role(self, info: Info, input: CreateRoleInput) -> RolePayload:
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
        self, info: Info, id: RoleId, version: Version, input: UpdateRoleInput
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
    async def create_team(self, info: Info, input: TeamInput) -> TeamPayload:
        session, actor = await info.context.session(), info.context.actor
        return TeamPayload(team=Team.from_model(await teams.create_team(session, actor, team_values(input))))

    @strawberry.mutation(description="Rename a team or move it under another (no cycles).")
    @mutation_payload(TeamPayload)
    async def update_team(self, info: Info, id: TeamId, version: Version, input: TeamInput) -> TeamPayload:
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
        self, info: Info, user_id: UserId, team_id: relay.GlobalID | None = None
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
