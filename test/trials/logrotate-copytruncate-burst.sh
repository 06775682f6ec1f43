#!/usr/bin/env bash
# A logrotate trial of foglet-monitor log tailing (harness.sh has the receiver, writer and daemon helpers); prints PASS or FAIL.
source "$(dirname "$0")/harness.sh"
# copytruncate rotations in quick succession while a writer appends ~4000 lines/s.
# All rotated copies are kept (rotate 100, no compression), so nothing is unrecoverable.
# Invariants: lines_total <= lines written (N) and >= lines present in the files; matches_total <= failure lines written;
# gaps_total == 0 (every copy exists); every failure line present in the files fired once.
N=${N:-60000}; K=300; BASE=$(( $(date +%s) - N/100 - 60 ))
write_cfg; start_rx; start_daemon || exit 2
lr_conf "  rotate 100
  copytruncate
  missingok"
start_writer 0 $N 4000 $K
sleep ${PRE:-0}
for r in $(seq 1 ${ROT:-40}); do sleep ${GAP:-0.05}; lr; done
wait_writer 900
sleep 8; wait_lines $N 20; wait_quiet_rx 30
P=$(present_seqs); F=$((N / K))
L=$(metric foglet_monitor_log_lines_total); M=$(metric foglet_monitor_log_matches_total); G=$(metric foglet_monitor_log_gaps_total)
echo "== copytruncate x${ROT:-40}, ${GAP:-0.05}s apart: $(ls $LOG* | wc -l) files (all kept)"
show_metrics; gaps_log 4
echo "lines: written=$N present_in_files=$P read(lines_total)=$L  (must be $P..$N)"
echo "failure lines: written=$F matched(matches_total)=$M (must be <= $F)   gaps_total=$G (must be 0: all copies exist)"
python3 "$W/analyze.py" "$W/rx.jsonl" $N $K 0 "$W/present.txt"; A=$?
if [ $L -le $N ] && [ $L -ge $P ] && [ $M -le $F ] && [ $G -eq 0 ] && [ $A -eq 0 ]; then echo PASS; else echo FAIL; fi
