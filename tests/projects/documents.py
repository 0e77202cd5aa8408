"""GraphQL documents and small factories shared by the project tests."""

from __future__ import annotations

from typing import Any

from tests.support import GraphQLClient, Member, error_pairs, ok  # noqa: F401 - shared helpers, re-exported for the area's tests

ERRORS = "errors { field code message }"
PROJECT_FIELDS = """
  id code name description status plannedStart plannedEnd actualStart actualEnd budget currency
  opportunityId contractId version
  account { id name }
  opportunity { id name status }
  contract { id number }
  manager { id email }
  members { role user { id email } }
  statusHistory { fromStatus toStatus comment actor { id } }
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
query($filter: ProjectFilter, $orderBy: [ProjectOrder!]) {
  projects(filter: $filter, orderBy: $orderBy, first: 50) { totalCount edges { node { id name code } } }
}"""
TASK = f"""query($id: ID!) {{ node(id: $id) {{ ... on Task {{ {TASK_FIELDS} }} }} }}"""
NODE = """query($id: ID!) { node(id: $id) { id } }"""
MY_TASKS = """
query($status: [TaskStatus!]) { myTasks(filter: {status: $status}, first: 50) { totalCount edges { node { id title dueDate } } } }"""
OVERDUE = """
query($projectId: ID, $on: Date) {
  overdueTasks(filter: {projectId: $projectId, on: $on}, first: 50) { edges { node { id title dueDate } } }
}"""
GANTT = """
query($projectId: ID!) {
  projectGantt(projectId: $projectId) {
    truncated tasks { id title startDate dueDate } dependencies { taskId dependsOnId } milestones { name }
  }
}"""
BOARD = """
query($projectId: ID!, $perColumn: Int!) {
  taskBoard(projectId: $projectId, perColumn: $perColumn) { columns { status count tasks { title priority } } }
}"""


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


COST = """
query($id: ID!) {
  project(id: $id) {
    cost {
      currency budget laborCost expenseCost actualCost remaining burnPercent hours billableHours unpricedHours
      unconvertedExpenses
    }
    timeEntries(first: 10) { edges { node { hours workDate billable user { id } task { title } } } }
    expenses { description amount currency }
  }
}"""
HEALTH = """
query($id: ID!, $on: Date) { project(id: $id) { status health(on: $on) { status reasons { code status message } } } }"""
LOG_TIME = f"""
mutation($input: LogTimeInput!) {{
  logTime(input: $input) {{ timeEntry {{ id hours workDate billable note user {{ id }} }} {ERRORS} }}
}}"""
DELETE_TIME = f"""
mutation($id: ID!) {{ deleteTimeEntry(id: $id) {{ timeEntry {{ id }} {ERRORS} }} }}"""
RECORD_EXPENSE = f"""
mutation($input: RecordExpenseInput!) {{
  recordExpense(input: $input) {{ expense {{ id description amount currency incurredOn }} {ERRORS} }}
}}"""
SET_RATE = f"""
mutation($userId: ID!, $rate: Decimal!, $currency: String!) {{
  setUserCostRate(userId: $userId, hourlyRate: $rate, currency: $currency) {{
    costRate {{ hourlyRate currency user {{ id }} }} {ERRORS}
  }}
}}"""
RATES = """{ userCostRates { nodes { hourlyRate currency user { id } } } }"""
RISK_FIELDS = """
  id title category probability impact score response status reviewDate mitigationPlan version owner { id }
"""
CREATE_RISK = f"""
mutation($input: CreateRiskInput!) {{ createRisk(input: $input) {{ risk {{ {RISK_FIELDS} }} {ERRORS} }} }}"""
UPDATE_RISK = f"""
mutation($id: ID!, $version: Int!, $input: UpdateRiskInput!) {{
  updateRisk(id: $id, version: $version, input: $input) {{ risk {{ {RISK_FIELDS} }} {ERRORS} }}
}}"""
RISK_MATRIX = """
query($projectId: ID!) { projectRiskMatrix(projectId: $projectId) { cells { probability impact score risks { title } } } }"""
CHANGE_FIELDS = """
  id title kind reason costImpact newPlannedEnd applyOnApproval status version
  requestedBy { id }
  history { fromStatus toStatus comment actor { id } }
  approval { id status currentStep decisions { stepPosition decision comment approver { id } } awaiting { id } }
"""
CREATE_CHANGE = f"""
mutation($input: CreateChangeRequestInput!) {{
  createChangeRequest(input: $input) {{ changeRequest {{ {CHANGE_FIELDS} }} {ERRORS} }}
}}"""
UPDATE_CHANGE = f"""
mutation($id: ID!, $version: Int!, $input: UpdateChangeRequestInput!) {{
  updateChangeRequest(id: $id, version: $version, input: $input) {{ changeRequest {{ {CHANGE_FIELDS} }} {ERRORS} }}
}}"""
SUBMIT_CHANGE = f"""
mutation($id: ID!, $version: Int!, $comment: String) {{
  submitChangeRequest(id: $id, version: $version, comment: $comment) {{ changeRequest {{ {CHANGE_FIELDS} }} {ERRORS} }}
}}"""
IMPLEMENT_CHANGE = f"""
mutation($id: ID!, $version: Int!) {{
  implementChangeRequest(id: $id, version: $version) {{ changeRequest {{ {CHANGE_FIELDS} }} {ERRORS} }}
}}"""
CHANGE = f"""query($id: ID!) {{ node(id: $id) {{ ... on ChangeRequest {{ {CHANGE_FIELDS} }} }} }}"""
DEFINE_CHAIN = f"""
mutation($input: DefineApprovalChainInput!) {{
  defineApprovalChain(input: $input) {{
    chain {{ id name subjectType isActive steps {{ position name rule users {{ id }} role {{ key }} }} }} {ERRORS}
  }}
}}"""
CHAINS = """{ approvalChains { nodes { name subjectType isActive steps { position rule } } } }"""
DECIDE = f"""
mutation($requestId: ID!, $decision: ApprovalDecisionKind!, $comment: String) {{
  decideApproval(requestId: $requestId, decision: $decision, comment: $comment) {{
    request {{ id status currentStep subjectId decisions {{ stepPosition decision approver {{ id }} }} }} {ERRORS}
  }}
}}"""
MY_APPROVALS = """
query($scope: MyApprovalsScope!) {
  myApprovals(scope: $scope, first: 20) {
    edges { node { id title subjectType subjectId status currentStep requestedBy { id } chain { name } } }
  }
}"""
SAVE_TEMPLATE = f"""
mutation($projectId: ID!, $name: String!) {{
  saveProjectAsTemplate(projectId: $projectId, name: $name) {{
    template {{ id name milestoneCount taskCount durationDays }} {ERRORS}
  }}
}}"""
FROM_TEMPLATE = f"""
mutation($input: CreateProjectFromTemplateInput!) {{
  createProjectFromTemplate(input: $input) {{ project {{ {PROJECT_FIELDS} }} {ERRORS} }}
}}"""
TEMPLATES = """{ projectTemplates { nodes { id name milestoneCount taskCount durationDays } } }"""


async def define_chain(client: GraphQLClient, admin: Member, *steps: dict[str, Any]) -> dict[str, Any]:
    variables = {"input": {"name": "Change board", "subjectType": "change_request", "steps": list(steps)}}
    return (await ok(client, admin, DEFINE_CHAIN, variables, "defineApprovalChain"))["chain"]
