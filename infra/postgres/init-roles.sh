#!/bin/sh
# First start of the compose PostgreSQL: the two roles of infra/README.md ("PostgreSQL roles") and the
# LEAKPROOF marks text search needs under row-level security. Passwords come from the environment.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_password="$CRM_OWNER_PASSWORD" -v app_password="$CRM_APP_PASSWORD" <<'SQL'
create role crm_owner login password :'owner_password';
create role crm_app login password :'app_password' nosuperuser nobypassrls;
create database crm owner crm_owner;
\connect crm
alter function texticlike(text, text) leakproof;
alter function textlike(text, text) leakproof;
SQL
