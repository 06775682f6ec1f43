#!/usr/bin/env bash
# A logrotate trial of foglet-monitor log tailing (harness.sh has the receiver, writer and daemon helpers); prints PASS or FAIL.
source "$(dirname "$0")/harness.sh"
# repro-2: kill -9 x3 during a logrotate create storm (writer reopens on SIGHUP), restart each time; failure lines whose alerts never arrive = silent loss
# Trial 2: kill -9 the daemon during a logrotate storm (MODE=create|copytruncate), restart; repeat KILLS times.
# Every failure line (every K-th) is its own alert episode (lines' own times 3 s apart, quiet_for 1s):
# each must fire exactly once (same Idempotency-Key re-sent after a crash is allowed by the README).
N=${N:-60000}; K=${K:-100}; export SPL=0.1; BASE=$(( $(date +%s) - N/10 - 60 ))
write_cfg; start_rx; start_daemon || exit 2
if [ "${MODE:-create}" = copytruncate ]; then lr_conf "  rotate 1000
  copytruncate
  missingok"; else lr_conf "  rotate ${KEEP:-1000}
  create
  missingok
  postrotate
    kill -HUP \$(cat $W/writer.pid)
  endscript"; fi
start_writer 0 $N 4000 $K
( for r in $(seq 1 ${ROT:-50}); do sleep ${GAP:-0.25}; lr; done ) & RP=$!; PIDS+=($RP)
for k in $(seq 1 ${KILLS:-3}); do sleep ${KILL_EVERY:-3.5}; kill9_daemon; echo "  kill -9 #$k at lines_total(before restart)=?"; sleep ${DOWN:-0.5}; start_daemon; done
wait_writer 900; wait $RP 2>/dev/null
sleep 8; wait_queue_empty 240
P=$(present_seqs); echo "  notifications still queued at end: $(queued)"
echo "== kill -9 x${KILLS:-3} during ${MODE:-create} storm: writer wrote $N, present in files $P, $(ls $LOG* | wc -l) files"
show_metrics; gaps_log 4
python3 "$W/analyze.py" "$W/rx.jsonl" $N $K 0 "$W/present.txt" && echo PASS || echo FAIL
