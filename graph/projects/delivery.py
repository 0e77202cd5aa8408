"""The fields a Project shows of its delivery (issue 23): allocations, materials, quality records, closeout
and the lessons of similar projects. A base class of `graph.projects.types.Project`, kept here so that
type stays readable; each field delegates to its sub-package's types through DataLoaders.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph.core.context import Info
from graph.projects.closeout import types as closeout_types
from graph.projects.purchases import types as purchase_types
from graph.projects.quality import types as quality_types
from graph.projects.resources import types as resource_types

if TYPE_CHECKING:
    from graph.projects.closeout.types import Lesson, ProjectCloseout
    from graph.projects.purchases.types import MaterialLine
    from graph.projects.quality.types import Defect, Inspection, ProjectAcceptance, QualityChecklist
    from graph.projects.resources.types import Allocation

RESOURCES = "graph.projects.resources.types"
PURCHASES = "graph.projects.purchases.types"
QUALITY = "graph.projects.quality.types"
CLOSEOUT = "graph.projects.closeout.types"


@strawberry.type
class DeliveryFields:
    id: strawberry.Private[str]  # the Project's own NodeID

    @strawberry.field(description="Members' hours on this project per week, by week then member.")
    async def allocations(self, info: Info) -> list[Annotated[Allocation, strawberry.lazy(RESOURCES)]]:
        return await resource_types.project_allocations(info, uuid.UUID(self.id))

    @strawberry.field(description="Material lines, oldest first; received ones count in the cost.")
    async def materials(self, info: Info) -> list[Annotated[MaterialLine, strawberry.lazy(PURCHASES)]]:
        return await purchase_types.project_materials(info, uuid.UUID(self.id))

    @strawberry.field(description="Quality checklists of this project (copied from its template or added).")
    async def quality_checklists(
        self, info: Info
    ) -> list[Annotated[QualityChecklist, strawberry.lazy(QUALITY)]]:
        return await quality_types.project_quality(info, "checklists", uuid.UUID(self.id))

    @strawberry.field(description="Inspections, oldest first.")
    async def inspections(self, info: Info) -> list[Annotated[Inspection, strawberry.lazy(QUALITY)]]:
        return await quality_types.project_quality(info, "inspections", uuid.UUID(self.id))

    @strawberry.field(description="Defects, oldest first.")
    async def defects(self, info: Info) -> list[Annotated[Defect, strawberry.lazy(QUALITY)]]:
        return await quality_types.project_quality(info, "defects", uuid.UUID(self.id))

    @strawberry.field(description="How it ended (once closed out): summary, satisfaction, evaluation.")
    async def closeout(self, info: Info) -> Annotated[ProjectCloseout, strawberry.lazy(CLOSEOUT)] | None:
        return await closeout_types.project_closeout(info, uuid.UUID(self.id))

    @strawberry.field(
        description="Lessons from other projects that resemble this one (most shared words in name and "
        "description first): what to know as it starts."
    )
    async def similar_lessons(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="How many, 1-20.")] = 5,
    ) -> list[Annotated[Lesson, strawberry.lazy(CLOSEOUT)]]:
        return await closeout_types.project_similar_lessons(info, uuid.UUID(self.id), max(1, min(first, 20)))

    @strawberry.field(description="Customer acceptances, oldest first.")
    async def acceptances(self, info: Info) -> list[Annotated[ProjectAcceptance, strawberry.lazy(QUALITY)]]:
        return await quality_types.project_quality(info, "acceptances", uuid.UUID(self.id))
