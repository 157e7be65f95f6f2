"""list indexes: the orders of the keyset-paged lists, open documents per organisation

A drafter's drafts (last touched first), the issued outgoing documents and the API's
outgoing list (newest first), and the case file list (newest year first, then number
and code) each walk an index in their own order, so any page costs what the first does.
The drafter index replaces the single-column one it starts with. The open incoming
documents of one organisation (the home page's figures, the register's state filters)
are read through (org_id, state).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 09:05:45.169624

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incoming_documents', schema=None) as batch_op:
        batch_op.create_index('ix_incoming_org_state', ['org_id', 'state'], unique=False)

    with op.batch_alter_table('case_files', schema=None) as batch_op:
        batch_op.create_index('ix_case_files_org_order', ['org_id', sa.literal_column('year DESC'), 'number', 'code', 'id'], unique=False)

    with op.batch_alter_table('outgoing_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_documents_drafter_id'))
        batch_op.create_index('ix_outgoing_drafter_updated', ['drafter_id', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_outgoing_org_created', ['org_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_outgoing_org_issued', ['org_id', 'issued_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('outgoing_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_org_issued')
        batch_op.drop_index('ix_outgoing_org_created')
        batch_op.drop_index('ix_outgoing_drafter_updated')
        batch_op.create_index(batch_op.f('ix_outgoing_documents_drafter_id'), ['drafter_id'], unique=False)

    with op.batch_alter_table('case_files', schema=None) as batch_op:
        batch_op.drop_index('ix_case_files_org_order')

    with op.batch_alter_table('incoming_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_incoming_org_state')
