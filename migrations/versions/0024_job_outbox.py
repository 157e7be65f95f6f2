"""The job outbox (decision 0021): a job is a row written with the change it follows,
pushed to RQ after the commit, flushed when Redis is back, pushed again when its worker
died.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-29 14:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task', sa.String(length=200), nullable=False),
        sa.Column('args', sa.JSON(), nullable=False),
        sa.Column('queue', sa.String(length=20), nullable=False),
        sa.Column('options', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('pushes', sa.Integer(), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_outbox')),
    )
    op.create_index(
        'ix_job_outbox_open',
        'job_outbox',
        ['state', 'id'],
        unique=False,
        postgresql_where=sa.text("state IN ('pending', 'enqueued', 'running')"),
        sqlite_where=sa.text("state IN ('pending', 'enqueued', 'running')"),
    )
    op.create_index(
        'ix_job_outbox_settled',
        'job_outbox',
        ['finished_at'],
        unique=False,
        postgresql_where=sa.text("state IN ('done', 'failed')"),
        sqlite_where=sa.text("state IN ('done', 'failed')"),
    )


def downgrade():
    op.drop_index('ix_job_outbox_settled', table_name='job_outbox')
    op.drop_index(
        'ix_job_outbox_open',
        table_name='job_outbox',
        postgresql_where=sa.text("state IN ('pending', 'enqueued', 'running')"),
        sqlite_where=sa.text("state IN ('pending', 'enqueued', 'running')"),
    )
    op.drop_table('job_outbox')
