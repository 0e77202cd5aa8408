"""Milestone, task, checklist, comment and template mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.ids import decode_id
from graph.projects.inputs import (
    Input,
    NewTaskStatus,
    TaskId,
    Version,
    given_values,
)
from graph.projects.planning import tasks, templates
from graph.projects.planning.inputs import (
    AddTaskCommentInput,
    ChecklistItemPayload,
    CreateMilestoneInput,
    CreateProjectFromTemplateInput,
    CreateTaskInput,
    MilestonePayload,
    ProjectTemplatePayload,
    TaskCommentPayload,
    TaskPayload,
    UpdateChecklistItemInput,
    UpdateMilestoneInput,
    UpdateTaskInput,
)
from graph.projects.planning.types import ProjectTemplate
from graph.projects.projects import projects
from graph.projects.projects.inputs import ProjectPayload
from graph.projects.types import ChecklistItem, Milestone, Project, Task, TaskComment


@strawberry.type
class PlanningMutation:
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
        id: Annotated[relay.GlobalID, strawberry.argument(description="A ChecklistItem's `id`.")],
        version: Version,
        input: Input[UpdateChecklistItemInput],
    ) -> ChecklistItemPayload:
        session, actor = await info.context.session(), info.context.actor
        item_id = decode_id(id, "ChecklistItem")
        item = await tasks.update_checklist_item(session, actor, item_id, version, given_values(input))
        return ChecklistItemPayload(item=ChecklistItem.from_model(item))

    @strawberry.mutation(description="Comment on a task, mentioning members.")
    @mutation_payload(TaskCommentPayload)
    async def add_task_comment(self, info: Info, input: Input[AddTaskCommentInput]) -> TaskCommentPayload:
        session, actor = await info.context.session(), info.context.actor
        mentions = [decode_id(user_id, "User", "mentions") for user_id in input.mentions]
        comment = await tasks.add_task_comment(
            session, actor, decode_id(input.task_id, "Task", "taskId"), input.body, mentions
        )
        return TaskCommentPayload(comment=TaskComment.from_model(comment))


@strawberry.type
class TemplateMutation:
    @strawberry.mutation(description="Save a project's milestones and tasks as a template.")
    @mutation_payload(ProjectTemplatePayload)
    async def save_project_as_template(
        self,
        info: Info,
        project_id: Annotated[relay.GlobalID, strawberry.argument(description="The Project.")],
        name: Annotated[str, strawberry.argument(description="Unique per tenant, 1-200 characters.")],
        description: Annotated[str | None, strawberry.argument(description="Free text.")] = None,
    ) -> ProjectTemplatePayload:
        session, actor = await info.context.session(), info.context.actor
        template = await templates.save_project_as_template(
            session, actor, decode_id(project_id, "Project", "projectId"), name, description
        )
        return ProjectTemplatePayload(template=ProjectTemplate.from_model(template))

    @strawberry.mutation(
        description="Create a project from a template with its dates shifted to a new start."
    )
    @mutation_payload(ProjectPayload)
    async def create_project_from_template(
        self, info: Info, input: Input[CreateProjectFromTemplateInput]
    ) -> ProjectPayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input, skip=("template_id",))
        template_id = decode_id(input.template_id, "ProjectTemplate", "templateId")
        project = await templates.create_project_from_template(session, actor, template_id, values)
        return ProjectPayload(project=Project.from_model(project))
