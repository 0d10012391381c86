#!/usr/bin/env bash
# make demo: the sample agency's half-month, from master data to recorded
# clock events, in a fresh ARMMS_HOME under ./demo-home (recreated each run).
set -eu
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH"
export ARMMS_HOME="${DEMO_HOME:-$PWD/demo-home}"
export ARMMS_TENANT=demo ARMMS_USER=admin
PERIOD=${DEMO_PERIOD:-2026-11-A}
rm -rf "$ARMMS_HOME"
say() { printf '\n== %s\n' "$*"; }

say "create the tenant"
armms-init --tz Asia/Manila

say "master data (samples/*.csv: a 1,200-guard agency)"
for k in position shift detachment guard assignment rate holiday obligation user; do
    armms-import "$k" "samples/$k.csv"
done
armms-import period --generate 2026

say "clock events for $PERIOD from the detachments' devices"
armms-sample events --period "$PERIOD" >"$ARMMS_HOME/events.ndjson"
echo "$(wc -l <"$ARMMS_HOME/events.ndjson") device lines (with double taps, replays, late arrivals)"
armms-ingest --rejects "$ARMMS_HOME/rejects.ndjson" "$ARMMS_HOME/events.ndjson" \
    >"$ARMMS_HOME/accepted.ndjson"

say "a device re-sends its log: nothing lands twice"
armms-ingest "$ARMMS_HOME/events.ndjson" | wc -l | sed 's/^/new events on the rerun: /'

say "what landed"
db="$ARMMS_HOME/tenants/demo/tk.db"
sqlite3 -column -header "$db" "
  SELECT type, count(*) AS events, count(DISTINCT guard_id) AS guards,
         min(ts) AS first_utc, max(ts) AS last_utc
  FROM clock_event GROUP BY type;"
echo
echo "by detachment (top 5):"
sqlite3 -column "$db" "SELECT detachment_id, count(*) FROM clock_event
  GROUP BY detachment_id ORDER BY 2 DESC LIMIT 5;"
echo
echo "one guard's punches (ts_local, from the accepted stream):"
jq -r 'select(.guard_id == "G00001") | "\(.ts_local)  \(.type)  \(.detachment_id)"' \
    "$ARMMS_HOME/accepted.ndjson" | head -6

say "the journal"
armms-journal verify
armms-journal cat | jq -r .event_type | sort | uniq -c | sort -rn

echo
echo "data: $ARMMS_HOME/tenants/demo  (try: ARMMS_HOME=$ARMMS_HOME armms journal -t demo cat | jq .)"
