"""must change password: an admin's password reset (decision 0022) sets it, and every
page then sends the person to change the temporary password first.

`server_default` false: every existing account goes on as before. `sa.false()` renders
`false` on PostgreSQL and `0` on SQLite (a bare `0` is refused by a boolean column of
PostgreSQL).

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-29 18:09:24

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
