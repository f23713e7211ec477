"""Access reviews and privacy statements (issue 22, part A)

Revision ID: 0021_access_reviews_privacy
Revises: 0020_search_index
Create Date: 2026-12-06 00:50:00

access_reviews: per period, one review per organisation (its members, by its admins) and per
space (its grants, by its managers); access_review_items: each decision taken in one, the
principal kept by id. privacy_statements: the privacy page of a space or of a case type.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_access_reviews_privacy"
down_revision = "0020_search_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "access_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "scope",
            sa.Enum("organisation", "space", name="reviewscope", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("space_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(scope = 'organisation' AND organisation_id IS NOT NULL AND space_id IS NULL)"
            " OR (scope = 'space' AND space_id IS NOT NULL AND organisation_id IS NULL)",
            name=op.f("ck_access_reviews_one_scope"),
        ),
        sa.ForeignKeyConstraint(
            ["completed_by_id"], ["users.id"], name=op.f("fk_access_reviews_completed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_access_reviews_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["space_id"], ["spaces.id"], name=op.f("fk_access_reviews_space_id_spaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_reviews")),
    )
    for column in ("organisation_id", "space_id", "due_at", "completed_at"):
        op.create_index(op.f(f"ix_access_reviews_{column}"), "access_reviews", [column])
    op.create_table(
        "access_review_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("principal_type", sa.String(length=24), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column(
            "decision",
            sa.Enum("confirmed", "removed", name="decision", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_access_review_items_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_access_review_items_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["access_reviews.id"],
            name=op.f("fk_access_review_items_review_id_access_reviews"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_access_review_items_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_review_items")),
        sa.UniqueConstraint(
            "review_id",
            "subject_type",
            "subject_id",
            name=op.f("uq_access_review_items_review_id"),
        ),
    )
    op.create_index(op.f("ix_access_review_items_review_id"), "access_review_items", ["review_id"])
    op.create_table(
        "privacy_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=True),
        sa.Column("case_type", sa.String(length=24), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("legal_basis_id", sa.Integer(), nullable=False),
        sa.Column("data_categories", sa.Text(), nullable=False),
        sa.Column("retention", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=300), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint(
            "(space_id IS NULL) <> (case_type IS NULL)",
            name=op.f("ck_privacy_statements_space_or_case_type"),
        ),
        sa.ForeignKeyConstraint(
            ["legal_basis_id"],
            ["legal_bases.id"],
            name=op.f("fk_privacy_statements_legal_basis_id_legal_bases"),
        ),
        sa.ForeignKeyConstraint(
            ["space_id"], ["spaces.id"], name=op.f("fk_privacy_statements_space_id_spaces")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_privacy_statements_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_statements")),
        sa.UniqueConstraint("case_type", name=op.f("uq_privacy_statements_case_type")),
        sa.UniqueConstraint("space_id", name=op.f("uq_privacy_statements_space_id")),
    )


def downgrade():
    op.drop_table("privacy_statements")
    op.drop_index(op.f("ix_access_review_items_review_id"), table_name="access_review_items")
    op.drop_table("access_review_items")
    for column in ("organisation_id", "space_id", "due_at", "completed_at"):
        op.drop_index(op.f(f"ix_access_reviews_{column}"), table_name="access_reviews")
    op.drop_table("access_reviews")
