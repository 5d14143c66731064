#!/usr/bin/env bash
# The main job end to end, on a local AWS emulator: one account whose VPC changes alert
# nobody and one whose do, side by side, each checked by `vpcwatch check`.
#
# Usage: scripts/demo.sh
# Needs python3 (with venv) and cargo. Installs the emulator into .venv-moto on first
# run, builds vpcwatch (honours CARGO_TARGET_DIR), starts moto on a free port of
# 127.0.0.1 only, and stops it by PID on exit. Nothing talks to real AWS.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BROKEN_ACCOUNT=111111111111
BROKEN_SCENARIO=no_alarm
SOUND_ACCOUNT=222222222222
SOUND_SCENARIO=sound

step() { printf '\n== %s\n' "$*"; }

step "emulator: install moto into .venv-moto if missing"
PY=$(python3 tests/emulator/install.py)

step "build vpcwatch"
cargo build --bin vpcwatch
VPCWATCH="${CARGO_TARGET_DIR:-target}/debug/vpcwatch"

SERVER_PID=""
stop_server() {
	if [[ -n "$SERVER_PID" ]]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
}
trap stop_server EXIT

free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts server.py as a coprocess; retries on another port if the port was taken.
start_server() {
	local attempt ready
	for attempt in 1 2 3; do
		PORT=$(free_port)
		coproc EMU { exec "$PY" tests/emulator/server.py "$PORT" 2>"$LOG"; }
		SERVER_PID=$EMU_PID
		if read -r -t 60 -u "${EMU[0]}" ready && [[ $ready == *'"ready": true'* ]]; then
			return 0
		fi
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=""
		echo "emulator did not start on port $PORT (attempt $attempt):" >&2
		tail -n 5 "$LOG" >&2
	done
	return 1
}

# Sends one JSON command to the server and prints its one-line JSON reply.
request() {
	local reply
	printf '%s\n' "$1" >&"${EMU[1]}"
	read -r -t 120 -u "${EMU[0]}" reply
	printf '%s\n' "$reply"
}

# Reads a seed reply on stdin; prints what was created, or fails with the error.
summarize() {
	"$PY" -c '
import json, sys
reply = json.load(sys.stdin)
if not reply["ok"]:
    sys.exit("seed failed: " + reply["error"])
print("account %s, scenario %s:" % (reply["account"], reply["scenario"]))
for r in reply["resources"]:
    print("  %-17s %-44s %s" % (r["kind"], r["name"], r["region"]))
'
}

credential() {
	"$PY" -c 'import json, sys; print(json.load(sys.stdin)["credentials"][sys.argv[1]] or "")' "$1"
}

# Runs vpcwatch check against one account of the emulator and reports its exit status.
check_account() {
	local reply=$1 unset_aws=() name status
	for name in $(compgen -e); do
		[[ $name == AWS_* ]] && unset_aws+=(-u "$name")
	done
	local token
	token=$(credential session_token <<<"$reply")
	set +e
	env "${unset_aws[@]}" \
		AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" \
		AWS_REGION=us-east-1 \
		AWS_ACCESS_KEY_ID="$(credential access_key_id <<<"$reply")" \
		AWS_SECRET_ACCESS_KEY="$(credential secret_access_key <<<"$reply")" \
		${token:+AWS_SESSION_TOKEN="$token"} \
		HOME="$SCRATCH" \
		AWS_EC2_METADATA_DISABLED=true \
		"$VPCWATCH" check
	status=$?
	set -e
	echo "-- vpcwatch check exited with status $status"
}

SCRATCH=$(mktemp -d -t vpcwatch-demo.XXXXXX)
LOG="$SCRATCH/server.log"
step "start the emulator on 127.0.0.1"
start_server || { echo "the emulator would not start; its log: $LOG" >&2; exit 1; }
echo "moto listening on http://127.0.0.1:$PORT (pid $SERVER_PID)"

step "seed a broken account and a sound one"
BROKEN=$(request "{\"seed\": \"$BROKEN_SCENARIO\", \"account\": \"$BROKEN_ACCOUNT\"}")
summarize <<<"$BROKEN"
SOUND=$(request "{\"seed\": \"$SOUND_SCENARIO\", \"account\": \"$SOUND_ACCOUNT\"}")
summarize <<<"$SOUND"

step "vpcwatch check, account $BROKEN_ACCOUNT ($BROKEN_SCENARIO: the alarm is missing)"
check_account "$BROKEN"

step "vpcwatch check, account $SOUND_ACCOUNT ($SOUND_SCENARIO)"
check_account "$SOUND"

rm -rf "$SCRATCH"
