"""Who may read the audit log in the staff area: coordinators and administrators.

One installation is one program (DESIGN.md §7), so a coordinator reads the program's whole log.
Analysts see aggregated data only and never the log (403), even though it holds no case content:
it says who opened which youth's record. See docs/staff.md.
"""

from __future__ import annotations

from typing import Any

from heatwatch.accounts.models import Role
from heatwatch.accounts.permissions import has_role

AUDIT_ROLES = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR})


def can_read_audit_log(user: Any) -> bool:
    """May ``user`` open the audit viewer?"""
    return bool(getattr(user, "is_active", False) and has_role(user, *AUDIT_ROLES))
