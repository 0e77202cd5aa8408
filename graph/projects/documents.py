"""Documents can be linked to projects and tasks the caller may see (tasks through their project)."""

from sqlalchemy import ColumnElement

from graph.documents.targets import register_link_target
from graph.projects.access import in_visible_projects, project_scope
from graph.projects.models import PROJECT, TASK, Project, Task
from tenants.permissions import Actor


def task_scope(actor: Actor) -> ColumnElement[bool]:
    return (Task.tenant_id == actor.tenant_id) & in_visible_projects(actor, TASK, Task.project_id)


register_link_target(PROJECT, "Project", Project, project_scope)
register_link_target(TASK, "Task", Task, task_scope)
