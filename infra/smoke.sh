#!/bin/sh
# The smoke journey against a running stack:  infra/smoke.sh http://localhost:8080 EMAIL PASSWORD
# The admin comes from `crm tenant create` (production sign-ups wait for an emailed confirmation), e.g.
#   docker compose -f infra/compose.yaml run --rm migrate crm tenant create --name Smoke \
#     --admin-email smoke@example.com --admin-password 'correct horse battery staple'
# Readiness, login, a create and a read through the proxy; exits non-zero on the first failure.
set -eu
BASE=${1:-http://localhost:8080}
EMAIL=${2:-smoke@example.com}
PASSWORD=${3:-correct horse battery staple}
post() { curl -fsS -H 'content-type: application/json' ${2:+-H "authorization: Bearer $2"} -d "$1" "$BASE/graphql"; }
curl -fsS "$BASE/readyz" | grep -q '"database":"ok"'
LOGIN=$(post "{\"query\":\"mutation { login(input: {email: \\\"$EMAIL\\\", password: \\\"$PASSWORD\\\"}) { token errors { code } } }\"}")
TOKEN=$(printf '%s' "$LOGIN" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || { echo "login failed: $LOGIN"; exit 1; }
post '{"query":"mutation { createAccount(input: {name: \"Smoke Ltd\"}) { account { id } errors { code } } }"}' "$TOKEN" | grep -q '"errors":\[\]'
post '{"query":"{ accounts(first: 5) { edges { node { name } } } }"}' "$TOKEN" | grep -q 'Smoke Ltd'
echo "smoke journey passed against $BASE"
