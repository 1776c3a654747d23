#!/bin/bash
# PostgreSQL's first start on an empty volume (the image runs /docker-entrypoint-initdb.d/*):
# the application's own role, not a superuser, owning the application's database. The API, the
# worker and `carteira migrate` connect as this role (DATABASE_URL in docker-compose.prod.yml);
# the superuser (POSTGRES_PASSWORD) stays with the operator.
#
# CARTEIRA_DB_PASSWORD is the role's password; CARTEIRA_DB_USER and CARTEIRA_DB_NAME (default
# `carteira`) name the role and the database. A volume initialised earlier is left as it is.
set -e

psql -v ON_ERROR_STOP=1 --no-psqlrc \
  --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  --set=app_role="${CARTEIRA_DB_USER:-carteira}" \
  --set=app_database="${CARTEIRA_DB_NAME:-carteira}" \
  --set=app_password="${CARTEIRA_DB_PASSWORD:?set CARTEIRA_DB_PASSWORD}" <<'SQL'
CREATE ROLE :"app_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
CREATE DATABASE :"app_database" OWNER :"app_role";
-- Only the owner (and the superuser) may connect.
REVOKE ALL ON DATABASE :"app_database" FROM PUBLIC;
SQL
