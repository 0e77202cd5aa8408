"""Project mutations: create, update, status, members. Resolvers parse input, call the service, shape the
payload."""

from __future__ import annotations

import strawberry

from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.ids import decode_id
from graph.projects.enums import ProjectRole
from graph.projects.inputs import (
    Comment,
    Input,
    NewProjectStatus,
    ProjectId,
    RoleArgument,
    UserId,
    Version,
    given_values,
)
from graph.projects.projects import projects
from graph.projects.projects.inputs import CreateProjectInput, ProjectPayload, UpdateProjectInput
from graph.projects.types import Project


@strawberry.type
class ProjectMutation:
    @strawberry.mutation(
        description="Create a project (PLANNED); you manage it unless `managerId` says otherwise."
    )
    @mutation_payload(ProjectPayload)
    async def create_project(self, info: Info, input: Input[CreateProjectInput]) -> ProjectPayload:
        session, actor = await info.context.session(), info.context.actor
        project = await projects.create_project(session, actor, given_values(input))
        return ProjectPayload(project=Project.from_model(project))

    @strawberry.mutation(description="Change the given fields of a project you manage.")
    @mutation_payload(ProjectPayload)
    async def update_project(
        self, info: Info, id: ProjectId, version: Version, input: Input[UpdateProjectInput]
    ) -> ProjectPayload:
        session, actor = await info.context.session(), info.context.actor
        project = await projects.update_project(
            session, actor, decode_id(id, "Project"), version, given_values(input)
        )
        return ProjectPayload(project=Project.from_model(project))

    @strawberry.mutation(
        description="Move a project: PLANNED → ACTIVE/ON_HOLD/CANCELLED, ACTIVE → ON_HOLD/DONE/CANCELLED, "
        "ON_HOLD → ACTIVE/CANCELLED, DONE → ACTIVE. Recorded in statusHistory."
    )
    @mutation_payload(ProjectPayload)
    async def change_project_status(
        self, info: Info, id: ProjectId, version: Version, status: NewProjectStatus, comment: Comment = None
    ) -> ProjectPayload:
        session, actor = await info.context.session(), info.context.actor
        project = await projects.change_project_status(
            session, actor, decode_id(id, "Project"), version, status.value, comment
        )
        return ProjectPayload(project=Project.from_model(project))

    @strawberry.mutation(
        description="Add a tenant member to a project you manage, or change their project role."
    )
    @mutation_payload(ProjectPayload)
    async def add_project_member(
        self, info: Info, project_id: ProjectId, user_id: UserId, role: RoleArgument = ProjectRole.CONTRIBUTOR
    ) -> ProjectPayload:
        session, actor = await info.context.session(), info.context.actor
        project = await projects.add_project_member(
            session,
            actor,
            decode_id(project_id, "Project", "projectId"),
            decode_id(user_id, "User", "userId"),
            role.value,
        )
        return ProjectPayload(project=Project.from_model(project))

    @strawberry.mutation(description="Remove a member (not the manager, nor anyone with open tasks).")
    @mutation_payload(ProjectPayload)
    async def remove_project_member(
        self, info: Info, project_id: ProjectId, user_id: UserId
    ) -> ProjectPayload:
        session, actor = await info.context.session(), info.context.actor
        project = await projects.remove_project_member(
            session,
            actor,
            decode_id(project_id, "Project", "projectId"),
            decode_id(user_id, "User", "userId"),
        )
        return ProjectPayload(project=Project.from_model(project))
