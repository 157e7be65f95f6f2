"""audit indexes: one place per chain for the events of no organisation, and the
secret documents' access log

`ix_audit_events_chain` (org_id, chain_seq) is unique, but NULLs are distinct in a
unique index: two events of no organisation could share a place in their chain. The
unique index on (coalesce(org_id, 0), chain_seq) — the chain's key, as
eoffice.core.audit_chain.chain_key computes it — closes that. The access log of secret
documents (eoffice.core.secret_access) reads an organisation's `secret_opened` and
`secret_downloaded` events newest first: a partial index on (org_id, id) of those events
only, small however long the trail grows.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-29 14:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

# As eoffice.core.models.SECRET_LOG_WHERE (written out: a migration does not follow later
# changes of the code).
SECRET_LOG_WHERE = "action IN ('secret_opened', 'secret_downloaded')"


def upgrade():
    op.create_index(
        "ux_audit_events_chain_key",
        "audit_events",
        [sa.text("coalesce(org_id, 0)"), "chain_seq"],
        unique=True,
    )
    op.create_index(
        "ix_audit_events_secret_log",
        "audit_events",
        ["org_id", "id"],
        unique=False,
        postgresql_where=sa.text(SECRET_LOG_WHERE),
        sqlite_where=sa.text(SECRET_LOG_WHERE),
    )


def downgrade():
    op.drop_index("ix_audit_events_secret_log", table_name="audit_events")
    op.drop_index("ux_audit_events_chain_key", table_name="audit_events")
