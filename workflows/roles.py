"""Role codes a transition may name, and how to say them in Vietnamese.

Two kinds of role meet here. Organisation roles are held by a user in their organisation
(the same codes as `eoffice.orgs.models.Role`). Relational roles describe how a user
stands towards one record (the lead handler of this document, the head of the unit this
part was given to); the engine cannot know them, so the service works them out and adds
them to the actor's roles before asking. A definition naming any other code is a typo,
and `Workflow` refuses it at import time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

# Organisation roles (mirror eoffice.orgs.models.Role; workflows/ may not import it).
ADMIN = "admin"
CLERK = "clerk"
LEADER = "leader"
DEPUTY = "deputy"
STAFF = "staff"

# Relational roles, supplied by the caller for one record.
LEAD_HANDLER = "lead_handler"  # holds the lead part (chủ trì) of this document
COORDINATOR = "coordinator"  # holds a coordinating part (phối hợp)
UNIT_HEAD = "unit_head"  # heads the unit a part was given to
REGISTRAR = "registrar"  # the clerk who registered this document
ASSIGNEE = "assignee"  # holds this assignment now (a person, or the head for a unit)
ASSIGNER = "assigner"  # made this assignment
DRAFTER = "drafter"  # drafted this outgoing document
REVIEWER = "reviewer"  # holds the review stage an outgoing document is at now
SIGNER = "signer"  # the person who signs this outgoing document (or signs for them)
SENDER = "sender"  # the office of the deployment that sent this incoming document
KEEPER = "keeper"  # keeps this case file (người lập hồ sơ)

ORG_ROLES = (ADMIN, CLERK, LEADER, DEPUTY, STAFF)
RELATIONAL_ROLES = (
    LEAD_HANDLER,
    COORDINATOR,
    UNIT_HEAD,
    REGISTRAR,
    ASSIGNEE,
    ASSIGNER,
    DRAFTER,
    REVIEWER,
    SIGNER,
    SENDER,
    KEEPER,
)

ROLE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        ADMIN: "Quản trị",
        CLERK: "Văn thư",
        LEADER: "Lãnh đạo",
        DEPUTY: "Cấp phó",
        STAFF: "Chuyên viên / Giáo viên",
        LEAD_HANDLER: "Người chủ trì xử lý",
        COORDINATOR: "Người phối hợp",
        UNIT_HEAD: "Trưởng đơn vị",
        REGISTRAR: "Người vào sổ",
        ASSIGNEE: "Người được giao",
        ASSIGNER: "Người giao việc",
        DRAFTER: "Người soạn thảo",
        REVIEWER: "Người kiểm tra ở bước hiện tại",
        SIGNER: "Người ký ban hành",
        SENDER: "Cơ quan gửi văn bản",
        KEEPER: "Người lập hồ sơ",
    }
)

KNOWN_ROLES = frozenset(ROLE_LABELS)


def role_label(code: str) -> str:
    return ROLE_LABELS.get(code, code)


def describe_roles(codes: Iterable[str]) -> str:
    """Vietnamese list in a stable order (the order of ROLE_LABELS), for messages and drawings."""
    chosen = set(codes)
    ordered = [code for code in ROLE_LABELS if code in chosen]
    ordered += sorted(chosen - KNOWN_ROLES)
    return ", ".join(role_label(code) for code in ordered)
