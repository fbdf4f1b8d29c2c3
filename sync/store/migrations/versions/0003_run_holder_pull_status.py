"""runs name the process that runs them; checkpoints say how each stream's last pull ended

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder", sa.Text(), nullable=True))
    with op.batch_alter_table("checkpoint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pull_status", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("pulled_at", sa.DateTime(timezone=True), nullable=True))
    # A stream with a stored cursor was pulled before: its pull counts as complete, so an
    # upgraded store goes on pushing instead of waiting for every stream's next pull.
    op.execute("UPDATE checkpoint SET pull_status = 'ok' WHERE cursor IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("checkpoint", schema=None) as batch_op:
        batch_op.drop_column("pulled_at")
        batch_op.drop_column("pull_status")
    with op.batch_alter_table("sync_run", schema=None) as batch_op:
        batch_op.drop_column("holder")
