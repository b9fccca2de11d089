#!/usr/bin/env bash
# Start/stop the embedded AWS emulator (scripts/emulator.py) in the background.
#   scripts/emulator.sh start|stop|status     port: SEED_EMULATOR_PORT (5000)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${SEED_EMULATOR_PORT:-5000}
RUN=.cache/emulator
PIDFILE=$RUN/emulator.pid
mkdir -p "$RUN"
running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
case "${1:-status}" in
  start)
    if running; then echo "emulator: running on http://127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"; exit 0; fi
    nohup .venv/bin/python scripts/emulator.py --port "$PORT" --pidfile "$PIDFILE" --log "$RUN/requests.log" >"$RUN/emulator.log" 2>&1 &
    for _ in $(seq 1 100); do
      curl -fsS "http://127.0.0.1:$PORT/_seed/health" >/dev/null 2>&1 && { echo "emulator: started on http://127.0.0.1:$PORT"; exit 0; }
      sleep 0.2
    done
    echo "emulator: did not start; see $RUN/emulator.log" >&2; cat "$RUN/emulator.log" >&2; exit 1 ;;
  stop)
    if running; then kill "$(cat "$PIDFILE")"; rm -f "$PIDFILE"; echo "emulator: stopped"; else echo "emulator: not running"; fi ;;
  status)
    if running; then echo "emulator: running on http://127.0.0.1:$PORT"; else echo "emulator: not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
