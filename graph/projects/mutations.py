"""Project, milestone and task mutations. Resolvers parse input, call the service, shape the payload."""

from __future__ import annotations

import uuid
from typing import Annotated, TypeVar

import strawberry
from strawberry import relay

from graph.core.context import RequestContext
from graph.core.errors import mutation_payload
from graph.core.ids import decode_id
from graph.projects import projects, tasks
from graph.projects.enums import ProjectRole, ProjectStatus, TaskStatus
from graph.projects.inputs import (
    AddTaskCommentInput,
    ChecklistItemPayload,
    CreateMilestoneInput,
    CreateProjectInput,
    CreateTaskInput,
    MilestonePayload,
    ProjectPayload,
    TaskCommentPayload,
    TaskPayload,
    UpdateChecklistItemInput,
    UpdateMilestoneInput,
    UpdateProjectInput,
    UpdateTaskInput,
    given_values,
)
from graph.projects.types import ChecklistItem, Milestone, Project, Task, TaskComment
from tenants.errors import not_found

Info = strawberry.Info[RequestContext, None]
T = TypeVar("T")
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
NewProjectStatus = Annotated[ProjectStatus, strawberry.argument(description="The new status.")]
NewTaskStatus = Annotated[TaskStatus, strawberry.argument(description="The new status.")]
RoleArgument = Annotated[
    ProjectRole, strawberry.argument(description="Role in the project (default CONTRIBUTOR).")
]

ProjectId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Project.")]
TaskId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Task.")]
UserId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a User.")]
Version = Annotated[
    int, strawberry.argument(description="The `version` you last read; a stale one is a CONFLICT.")
]
Comment = Annotated[str | None, strawberry.argument(description="Why (max 2,000 characters).")]


@strawberry.type
class PlanningMutation:
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

    @strawberry.mutation(description="Add a milestone to a project you manage.")
    @mutation_payload(MilestonePayload)
    async def create_milestone(self, info: Info, input: Input[CreateMilestoneInput]) -> MilestonePayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input)
        milestone = await projects.create_milestone(session, actor, values.pop("project_id"), values)
        return MilestonePayload(milestone=Milestone.from_model(milestone))

    @strawberry.mutation(description="Change a milestone; `completedOn` completes it.")
    @mutation_payload(MilestonePayload)
    async def update_milestone(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Milestone.")],
        version: Version,
        input: Input[UpdateMilestoneInput],
    ) -> MilestonePayload:
        session, actor = await info.context.session(), info.context.actor
        milestone = await projects.update_milestone(
            session, actor, decode_id(id, "Milestone"), version, given_values(input)
        )
        return MilestonePayload(milestone=Milestone.from_model(milestone))

    @strawberry.mutation(description="Create a task in a project you work in.")
    @mutation_payload(TaskPayload)
    async def create_task(self, info: Info, input: Input[CreateTaskInput]) -> TaskPayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input)
        task = await tasks.create_task(session, actor, values.pop("project_id"), values)
        return TaskPayload(task=Task.from_model(task))

    @strawberry.mutation(description="Change the given fields of a task (status: changeTaskStatus).")
    @mutation_payload(TaskPayload)
    async def update_task(
        self, info: Info, id: TaskId, version: Version, input: Input[UpdateTaskInput]
    ) -> TaskPayload:
        session, actor = await info.context.session(), info.context.actor
        task = await tasks.update_task(session, actor, decode_id(id, "Task"), version, given_values(input))
        return TaskPayload(task=Task.from_model(task))

    @strawberry.mutation(
        description="Move a task: TODO → IN_PROGRESS/BLOCKED, IN_PROGRESS → TODO/BLOCKED/DONE, "
        "BLOCKED → TODO/IN_PROGRESS, DONE → IN_PROGRESS. IN_PROGRESS and DONE need every task it "
        "depends on to be DONE."
    )
    @mutation_payload(TaskPayload)
    async def change_task_status(
        self, info: Info, id: TaskId, version: Version, status: NewTaskStatus
    ) -> TaskPayload:
        session, actor = await info.context.session(), info.context.actor
        task = await tasks.change_task_status(session, actor, decode_id(id, "Task"), version, status.value)
        return TaskPayload(task=Task.from_model(task))

    @strawberry.mutation(
        description="Make a task wait for another of the same project (finish-to-start); a cycle is CYCLE."
    )
    @mutation_payload(TaskPayload)
    async def add_task_dependency(self, info: Info, task_id: TaskId, depends_on_id: TaskId) -> TaskPayload:
        session, actor = await info.context.session(), info.context.actor
        task = await tasks.add_task_dependency(
            session,
            actor,
            decode_id(task_id, "Task", "taskId"),
            decode_id(depends_on_id, "Task", "dependsOnId"),
        )
        return TaskPayload(task=Task.from_model(task))

    @strawberry.mutation(description="Remove a dependency.")
    @mutation_payload(TaskPayload)
    async def remove_task_dependency(self, info: Info, task_id: TaskId, depends_on_id: TaskId) -> TaskPayload:
        session, actor = await info.context.session(), info.context.actor
        task = await tasks.remove_task_dependency(
            session,
            actor,
            decode_id(task_id, "Task", "taskId"),
            decode_id(depends_on_id, "Task", "dependsOnId"),
        )
        return TaskPayload(task=Task.from_model(task))

    @strawberry.mutation(description="Append an item to a task's checklist (at most 100 items).")
    @mutation_payload(ChecklistItemPayload)
    async def add_checklist_item(
        self,
        info: Info,
        task_id: TaskId,
        text: Annotated[str, strawberry.argument(description="1-500 chars.")],
    ) -> ChecklistItemPayload:
        session, actor = await info.context.session(), info.context.actor
        item = await tasks.add_checklist_item(session, actor, decode_id(task_id, "Task", "taskId"), text)
        return ChecklistItemPayload(item=ChecklistItem.from_model(item))

    @strawberry.mutation(description="Change or tick a checklist item.")
    @mutation_payload(ChecklistItemPayload)
    async def update_checklist_item(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The item's id.")],
        version: Version,
        input: Input[UpdateChecklistItemInput],
    ) -> ChecklistItemPayload:
        session, actor = await info.context.session(), info.context.actor
        item = await tasks.update_checklist_item(session, actor, parse_uuid(id), version, given_values(input))
        return ChecklistItemPayload(item=ChecklistItem.from_model(item))

    @strawberry.mutation(description="Comment on a task, mentioning members.")
    @mutation_payload(TaskCommentPayload)
    async def add_task_comment(self, info: Info, input: Input[AddTaskCommentInput]) -> TaskCommentPayload:
        session, actor = await info.context.session(), info.context.actor
        mentions = [decode_id(user_id, "User", "mentions") for user_id in input.mentions]
        comment = await tasks.add_task_comment(
            session, actor, decode_id(input.task_id, "Task", "taskId"), input.body, mentions
        )
        return TaskCommentPayload(
            comment=TaskComment(
                id=strawberry.ID(str(comment.id)),
                body=comment.body,
                created_at=comment.created_at,
                author_id=comment.author_id,
                mentioned_user_ids=list(comment.mentioned_user_ids),
            )
        )


def parse_uuid(value: str, field: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise not_found("checklist item", field) from None
