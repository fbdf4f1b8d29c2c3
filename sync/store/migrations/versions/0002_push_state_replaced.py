"""push state remembers the target's values before our first write

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 12:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("push_state", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "replaced",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                # Rows written before this revision know no earlier values.
                server_default=sa.text("'{}'"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("push_state", schema=None) as batch_op:
        batch_op.drop_column("replaced")
