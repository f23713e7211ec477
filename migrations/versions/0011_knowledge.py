"""The knowledge base: articles in knowledge spaces, and comments on articles

Knowledge spaces, articles with their themes, audiences, attachments, useful marks and views;
a comment hangs on a document, an action item or an article.

Revision ID: 0011_knowledge
Revises: 0010_applications
Create Date: 2026-11-29 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_knowledge'
down_revision = '0010_applications'
branch_labels = None
depends_on = None

KINDS = ('best_practice', 'handelingskader', 'casuistiek', 'factsheet')
THEMES = ('preventie', 'signalering', 'aanpak', 'nazorg', 'weerbaarheid', 'samenwerking',
          'communicatie', 'juridisch')
ORG_TYPES = ('municipality', 'police', 'public_prosecutor', 'housing', 'insurer', 'business',
             'association', 'ministry', 'secretariat')
ONE_OF_TWO = '(document_id IS NULL) <> (action_item_id IS NULL)'
ONE_OF_THREE = (
    '(CASE WHEN document_id IS NULL THEN 0 ELSE 1 END'
    ' + CASE WHEN action_item_id IS NULL THEN 0 ELSE 1 END'
    ' + CASE WHEN article_id IS NULL THEN 0 ELSE 1 END) = 1'
)


def upgrade():
    op.create_table('knowledge_spaces',
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_knowledge_spaces_space_id_spaces')),
    sa.PrimaryKeyConstraint('space_id', name=op.f('pk_knowledge_spaces'))
    )
    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='articlekind', native_enum=False, length=24), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('useful_count', sa.Integer(), nullable=False),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_articles_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_articles_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_articles_space_id_spaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles'))
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index('ix_articles_space_published', ['space_id', 'published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_articles_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_articles_organisation_id'), ['organisation_id'], unique=False)
    op.create_table('article_themes',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('theme', sa.Enum(*THEMES, name='theme', native_enum=False, length=24), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_themes_article_id_articles')),
    sa.PrimaryKeyConstraint('article_id', 'theme', name=op.f('pk_article_themes'))
    )
    op.create_table('article_audiences',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('org_type', sa.Enum(*ORG_TYPES, name='orgtype', native_enum=False, length=24), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_audiences_article_id_articles')),
    sa.PrimaryKeyConstraint('article_id', 'org_type', name=op.f('pk_article_audiences'))
    )
    op.create_table('article_attachments',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_attachments_article_id_articles')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_article_attachments_document_id_documents')),
    sa.PrimaryKeyConstraint('article_id', 'document_id', name=op.f('pk_article_attachments'))
    )
    op.create_table('article_useful_marks',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_useful_marks_article_id_articles')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_article_useful_marks_user_id_users')),
    sa.PrimaryKeyConstraint('article_id', 'user_id', name=op.f('pk_article_useful_marks'))
    )
    op.create_table('article_views',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_views_article_id_articles')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_article_views_user_id_users')),
    sa.PrimaryKeyConstraint('article_id', 'user_id', 'day', name=op.f('pk_article_views'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_comments_one_subject'), type_='check')
        batch_op.add_column(sa.Column('article_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_comments_article_id_articles'), 'articles', ['article_id'], ['id'])
        batch_op.create_index('ix_comments_article_created', ['article_id', 'created_at'], unique=False)
        batch_op.create_check_constraint('one_subject', ONE_OF_THREE)


def downgrade():
    # Comments on articles have no place to go back to.
    article_comments = 'SELECT id FROM comments WHERE article_id IS NOT NULL'
    op.execute(f'DELETE FROM comment_revisions WHERE comment_id IN ({article_comments})')
    op.execute('UPDATE comments SET parent_id = NULL WHERE article_id IS NOT NULL')
    op.execute('DELETE FROM comments WHERE article_id IS NOT NULL')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_comments_one_subject'), type_='check')
        batch_op.drop_index('ix_comments_article_created')
        batch_op.drop_constraint(batch_op.f('fk_comments_article_id_articles'), type_='foreignkey')
        batch_op.drop_column('article_id')
        batch_op.create_check_constraint('one_subject', ONE_OF_TWO)
    op.drop_table('article_views')
    op.drop_table('article_useful_marks')
    op.drop_table('article_attachments')
    op.drop_table('article_audiences')
    op.drop_table('article_themes')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_articles_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_articles_kind'))
        batch_op.drop_index('ix_articles_space_published')
    op.drop_table('articles')
    op.drop_table('knowledge_spaces')
