"""GraphQL documents and small factories shared by the project tests."""

from __future__ import annotations

from typing import Any

from tests.support import GraphQLClient, Member

ERRORS = "errors { field code message }"
PROJECT_FIELDS = """
  id code name description status plannedStart plannedEnd actualStart actualEnd budget currency
  opportunityId contractId version
  account { id name }
  manager { id email }
  members { role user { id email } }
  statusHistory { fromStatus toStatus comment changedBy { id } }
  milestones { id name dueDate completedOn }
"""
TASK_FIELDS = """
  id title description status priority estimateHours startDate dueDate completedAt version isOverdue
  assignee { id } reporter { id } project { id } milestone { id } parent { id }
  subtasks { id } dependsOn { id title } checklist { id text done position version }
  comments { body author { id } mentions { id } }
"""

CREATE_PROJECT = f"""
mutation($input: CreateProjectInput!) {{ createProject(input: $input) {{ project {{ {PROJECT_FIELDS} }} {ERRORS} }} }}"""
UPDATE_PROJECT = f"""
mutation($id: ID!, $version: Int!, $input: UpdateProjectInput!) {{
  updateProject(id: $id, version: $version, input: $input) {{ project {{ {PROJECT_FIELDS} }} {ERRORS} }}
}}"""
CHANGE_PROJECT_STATUS = f"""
mutation($id: ID!, $version: Int!, $status: ProjectStatus!, $comment: String) {{
  changeProjectStatus(id: $id, version: $version, status: $status, comment: $comment) {{
    project {{ {PROJECT_FIELDS} }} {ERRORS}
  }}
}}"""
ADD_MEMBER = f"""
mutation($projectId: ID!, $userId: ID!, $role: ProjectRole!) {{
  addProjectMember(projectId: $projectId, userId: $userId, role: $role) {{
    project {{ id members {{ role user {{ id }} }} }} {ERRORS}
  }}
}}"""
REMOVE_MEMBER = f"""
mutation($projectId: ID!, $userId: ID!) {{
  removeProjectMember(projectId: $projectId, userId: $userId) {{ project {{ id members {{ user {{ id }} }} }} {ERRORS} }}
}}"""
CREATE_MILESTONE = f"""
mutation($input: CreateMilestoneInput!) {{
  createMilestone(input: $input) {{ milestone {{ id name dueDate completedOn version }} {ERRORS} }}
}}"""
UPDATE_MILESTONE = f"""
mutation($id: ID!, $version: Int!, $input: UpdateMilestoneInput!) {{
  updateMilestone(id: $id, version: $version, input: $input) {{
    milestone {{ id name dueDate completedOn version }} {ERRORS}
  }}
}}"""
CREATE_TASK = f"""
mutation($input: CreateTaskInput!) {{ createTask(input: $input) {{ task {{ {TASK_FIELDS} }} {ERRORS} }} }}"""
UPDATE_TASK = f"""
mutation($id: ID!, $version: Int!, $input: UpdateTaskInput!) {{
  updateTask(id: $id, version: $version, input: $input) {{ task {{ {TASK_FIELDS} }} {ERRORS} }}
}}"""
CHANGE_TASK_STATUS = f"""
mutation($id: ID!, $version: Int!, $status: TaskStatus!) {{
  changeTaskStatus(id: $id, version: $version, status: $status) {{ task {{ id status version completedAt }} {ERRORS} }}
}}"""
ADD_DEPENDENCY = f"""
mutation($taskId: ID!, $dependsOnId: ID!) {{
  addTaskDependency(taskId: $taskId, dependsOnId: $dependsOnId) {{ task {{ id dependsOn {{ id }} }} {ERRORS} }}
}}"""
REMOVE_DEPENDENCY = f"""
mutation($taskId: ID!, $dependsOnId: ID!) {{
  removeTaskDependency(taskId: $taskId, dependsOnId: $dependsOnId) {{ task {{ id dependsOn {{ id }} }} {ERRORS} }}
}}"""
ADD_CHECKLIST_ITEM = f"""
mutation($taskId: ID!, $text: String!) {{
  addChecklistItem(taskId: $taskId, text: $text) {{ item {{ id text done position version }} {ERRORS} }}
}}"""
UPDATE_CHECKLIST_ITEM = f"""
mutation($id: ID!, $version: Int!, $input: UpdateChecklistItemInput!) {{
  updateChecklistItem(id: $id, version: $version, input: $input) {{ item {{ id text done version }} {ERRORS} }}
}}"""
ADD_COMMENT = f"""
mutation($input: AddTaskCommentInput!) {{
  addTaskComment(input: $input) {{ comment {{ body author {{ id }} mentions {{ id }} }} {ERRORS} }}
}}"""
PROJECT = f"""query($id: ID!) {{ project(id: $id) {{ {PROJECT_FIELDS} }} }}"""
PROJECTS = """
query($filter: ProjectFilter) { projects(filter: $filter, first: 50) { totalCount edges { node { id name code } } } }"""
TASK = f"""query($id: ID!) {{ node(id: $id) {{ ... on Task {{ {TASK_FIELDS} }} }} }}"""
NODE = """query($id: ID!) { node(id: $id) { id } }"""
MY_TASKS = """
query($status: [TaskStatus!]) { myTasks(status: $status, first: 50) { totalCount edges { node { id title dueDate } } } }"""
OVERDUE = """
query($projectId: ID, $on: Date) {
  overdueTasks(projectId: $projectId, on: $on, first: 50) { edges { node { id title dueDate } } }
}"""
GANTT = """
query($projectId: ID!) {
  projectGantt(projectId: $projectId) {
    truncated tasks { id title startDate dueDate } dependencies { taskId dependsOnId } milestones { name }
  }
}"""
BOARD = """
query($projectId: ID!, $perColumn: Int!) {
  taskBoard(projectId: $projectId, perColumn: $perColumn) { status count tasks { title priority } }
}"""


def error_pairs(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(error["field"], error["code"]) for error in payload["errors"]]


async def ok(
    client: GraphQLClient, member: Member, document: str, variables: dict[str, Any], name: str
) -> Any:
    """Runs a mutation that must succeed and returns its payload."""
    payload = (await client.execute(document, variables, member.token))[name]
    assert payload["errors"] == [], payload
    return payload


async def create_project(client: GraphQLClient, member: Member, **values: Any) -> dict[str, Any]:
    payload = await ok(
        client, member, CREATE_PROJECT, {"input": {"name": "Rollout", **values}}, "createProject"
    )
    return payload["project"]


async def create_task(
    client: GraphQLClient, member: Member, project_id: str, **values: Any
) -> dict[str, Any]:
    variables = {"input": {"projectId": project_id, "title": "Task", **values}}
    return (await ok(client, member, CREATE_TASK, variables, "createTask"))["task"]


async def add_member(
    client: GraphQLClient, admin: Member, project_id: str, user: Member, role: str = "CONTRIBUTOR"
) -> None:
    await ok(
        client,
        admin,
        ADD_MEMBER,
        {"projectId": project_id, "userId": user.user_id, "role": role},
        "addProjectMember",
    )


async def set_status(
    client: GraphQLClient, member: Member, task: dict[str, Any], status: str
) -> dict[str, Any]:
    variables = {"id": task["id"], "version": task["version"], "status": status}
    return (await ok(client, member, CHANGE_TASK_STATUS, variables, "changeTaskStatus"))["task"]
