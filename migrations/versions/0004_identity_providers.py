"""Identity providers for single sign-on (OIDC) per organisation

Revision ID: 0004_identity_providers
Revises: 0003_scan_status
Create Date: 2026-11-29 04:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_identity_providers'
down_revision = '0003_scan_status'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('identity_providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('client_secret_encrypted', sa.Text(), nullable=False),
    sa.Column('allow_password', sa.Boolean(), nullable=False),
    sa.Column('allow_account_creation', sa.Boolean(), nullable=False),
    sa.Column('mfa_acr_values', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_identity_providers_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_providers')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_identity_providers_organisation_id'))
    )
    op.create_table('identity_provider_domains',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['identity_providers.id'], name=op.f('fk_identity_provider_domains_provider_id_identity_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_provider_domains')),
    sa.UniqueConstraint('domain', name=op.f('uq_identity_provider_domains_domain'))
    )
    with op.batch_alter_table('identity_provider_domains', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_provider_domains_provider_id'), ['provider_id'], unique=False)

    op.create_table('sso_login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('code_verifier', sa.String(length=128), nullable=False),
    sa.Column('login_hint', sa.String(length=254), nullable=False),
    sa.Column('next_url', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['identity_providers.id'], name=op.f('fk_sso_login_attempts_provider_id_identity_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_login_attempts')),
    sa.UniqueConstraint('state_hash', name=op.f('uq_sso_login_attempts_state_hash'))
    )
    with op.batch_alter_table('sso_login_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sso_login_attempts_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sso_login_attempts_provider_id'), ['provider_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sso_login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sso_login_attempts_provider_id'))
        batch_op.drop_index(batch_op.f('ix_sso_login_attempts_created_at'))

    op.drop_table('sso_login_attempts')
    with op.batch_alter_table('identity_provider_domains', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_provider_domains_provider_id'))

    op.drop_table('identity_provider_domains')
    op.drop_table('identity_providers')
