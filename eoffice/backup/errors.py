"""The one error of backup and restore: a refusal or failure with a Vietnamese message."""

from __future__ import annotations

from eoffice.core.errors import ServiceError


class BackupError(ServiceError):
    """Backup, verification or restore cannot go on; `message` says why, in Vietnamese."""

    code = "backup_failed"
