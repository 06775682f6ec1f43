# Shared by the logrotate trials (sourced, not run): receiver, writer, analyser, daemon helpers.
# Needs node, curl, python3, logrotate, and the built repo at $REPO (default: this checkout, built).
set -u
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
CLI="$REPO/dist/src/cli.js"
W=$(mktemp -d)
MPORT=$((20000 + RANDOM % 20000)); RPORT=$((MPORT + 1))
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
mkdir -p "$W/log" "$W/state"; : > "$W/rx.jsonl"
LOG="$W/log/foglet.log"
cat > "$W/receiver.js" <<'__EOF__'
// records every webhook POST as one JSON line: {t, key, change, alertname, rule, status}
const http = require('http'); const fs = require('fs');
const out = process.argv[2]; const port = +process.argv[3];
http.createServer((req, res) => {
  let b = ''; req.on('data', d => b += d); req.on('end', () => {
    let j = {}; try { j = JSON.parse(b); } catch {}
    const a = (j.alerts && j.alerts[0]) || {};
    fs.appendFileSync(out, JSON.stringify({ t: Date.now(), key: req.headers['idempotency-key'], change: j.change, status: j.status,
      alertname: a.labels && a.labels.alertname, rule: a.labels && a.labels.rule, startsAt: a.startsAt, endsAt: a.endsAt,
      evidence: a.annotations && a.annotations.evidence }) + '\n');
    res.writeHead(200); res.end('ok');
  });
}).listen(port, '127.0.0.1', () => console.log('listening', port));
__EOF__
cat > "$W/writer.js" <<'__EOF__'
// writer.js PATH START END RATE FAILEVERY BASE_EPOCH_S
// appends lines START..END-1 at RATE lines/s through a persistent O_APPEND fd; SIGHUP reopens.
const fs = require('fs');
const [path, start, end, rate, failEvery, base] = process.argv.slice(2).map((v, i) => i ? +v : v);
let fd = fs.openSync(path, 'a');
process.on('SIGHUP', () => { const o = fd; fd = fs.openSync(path, 'a'); fs.closeSync(o); });
const pad = n => String(n).padStart(2, '0');
function line(i) {
  const spl = +(process.env.SPL || 0.01); const t = new Date(Math.floor((base + i * spl)) * 1000);
  const iso = t.toISOString();
  const hms = `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}.000`;
  if (i % failEvery === failEvery - 1)
    return `${iso} app[1857] iad [info] ${hms} [error] ** (DBConnection.ConnectionError) connection not available and request was dropped from queue after 2000ms seq=${i}\n`;
  return `${iso} app[1857] iad [info] ${hms} [info] seq=${i} handled request GET /boards in 3ms padding-padding-padding\n`;
}
let i = start; const perTick = Math.max(1, Math.round(rate / 100));
const timer = setInterval(() => {
  let s = ''; for (let k = 0; k < perTick && i < end; k++, i++) s += line(i);
  if (s) fs.writeSync(fd, s);
  if (i >= end) { clearInterval(timer); fs.closeSync(fd); process.exit(0); }
}, 10);
__EOF__
cat > "$W/analyze.py" <<'__EOF__'
import json, re, sys, collections
rx, N, K = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
start = int(sys.argv[4]) if len(sys.argv) > 4 else 0
recs = [json.loads(l) for l in open(rx) if l.strip()]
recs = [r for r in recs if r.get('rule') == 'db_connection_error']
expected = [i for i in range(start, N) if i % K == K - 1]
if len(sys.argv) > 5:
    present = set(int(x) for x in open(sys.argv[5]).read().split())
    expected = [i for i in expected if i in present]
fired = collections.Counter(); firing_keys = collections.Counter(); ctx_bad = []
for r in recs:
    if r['change'] != 'firing': continue
    firing_keys[r['key']] += 1
    ev = (r.get('evidence') or '').split('\n')
    seqs = [int(m.group(1)) for l in ev for m in [re.search(r'seq=(\d+)', l)] if m]
    if not seqs: continue
    s = seqs[-1]
    if firing_keys[r['key']] == 1: fired[s] += 1
    want = list(range(max(start, s - len(seqs) + 1), s + 1))
    if seqs != want: ctx_bad.append((s, seqs))
missing = [s for s in expected if fired[s] == 0]
dup = {s: c for s, c in fired.items() if c > 1}
unexpected = [s for s in fired if s % K != K - 1 or s >= N]
resolved = sum(1 for r in recs if r['change'] == 'resolved')
dupkeys = sum(c - 1 for c in firing_keys.values() if c > 1)
print(f"alerts: expected_firings={len(expected)} distinct_fired={len(fired)} missing={len(missing)} "
      f"duplicated_episodes={len(dup)} unexpected={len(unexpected)} resolved={resolved} "
      f"resent_same_key={dupkeys} bad_evidence_context={len(ctx_bad)}")
if missing: print("  missing seqs:", missing[:20], '...' if len(missing) > 20 else '')
if dup: print("  duplicated seqs:", list(dup.items())[:20])
if ctx_bad: print("  bad context e.g.:", ctx_bad[:3])
ok = not missing and not dup and not unexpected
sys.exit(0 if ok else 1)
__EOF__
cat > "$W/gen.js" <<'__EOF__'
// gen.js START END BASE K  -> prints lines START..END-1 in the writer's format (SPL from env)
const [start, end, base, K] = process.argv.slice(2).map(Number);
const spl = +(process.env.SPL || 0.01); const pad = n => String(n).padStart(2, '0'); let s = '';
for (let i = start; i < end; i++) { const t = new Date(Math.floor(base + i * spl) * 1000); const iso = t.toISOString();
  const hms = `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}.000`;
  s += i % K === K - 1 ? `${iso} app[1857] iad [info] ${hms} [error] ** (DBConnection.ConnectionError) connection not available and request was dropped from queue after 2000ms seq=${i}\n`
                       : `${iso} app[1857] iad [info] ${hms} [info] seq=${i} handled request GET /boards in 3ms padding-padding-padding\n`; }
process.stdout.write(s);
__EOF__
write_cfg() { # $1 = extra source yaml lines (optional)
cat > "$W/cfg.yaml" <<YAML
instance: lt
listen: 127.0.0.1:$MPORT
state_file: $W/state/state.json
logs:
  sources:
    - name: app
      kind: file
      path: $LOG
      from: beginning
${1:-}
  rule_overrides:
    db_connection_error: { threshold: { count: 1, window: 1m }, quiet_for: 1s }
  restart_loop: { enabled: false }
alerts:
  sinks:
    - name: hook
      kind: webhook
      url: http://127.0.0.1:$RPORT/hook
      timeout: 2s
  delivery: { initial_backoff: 200ms, max_backoff: 1s }
YAML
}
start_rx() { node "$W/receiver.js" "$W/rx.jsonl" $RPORT >/dev/null 2>&1 & RXPID=$!; PIDS+=($RXPID); }
start_daemon() { node "$CLI" run -c "$W/cfg.yaml" --log-format json >> "$W/daemon.log" 2>&1 & DPID=$!; PIDS+=($DPID)
  for _ in $(seq 1 50); do curl -sf "127.0.0.1:$MPORT/metrics" >/dev/null && return 0; sleep 0.2; done; echo "daemon did not start"; return 1; }
stop_daemon() { kill -TERM $DPID 2>/dev/null; for _ in $(seq 1 100); do kill -0 $DPID 2>/dev/null || break; sleep 0.1; done; kill -9 $DPID 2>/dev/null; wait $DPID 2>/dev/null; }
kill9_daemon() { kill -9 $DPID 2>/dev/null; wait $DPID 2>/dev/null; }
metric() { curl -s "127.0.0.1:$MPORT/metrics" | awk -v m="$1" '$1 ~ "^"m {s+=$2} END {print s+0}'; }
# start_writer START END RATE FAILEVERY
start_writer() { node "$W/writer.js" "$LOG" $1 $2 $3 $4 $BASE & WPID=$!; PIDS+=($WPID); echo $WPID > "$W/writer.pid"; }
wait_writer() { for _ in $(seq 1 ${1:-600}); do kill -0 $WPID 2>/dev/null || break; sleep 0.1; done; wait $WPID 2>/dev/null; }
# wait until lines_total == $1 or timeout $2 s, then settle
wait_lines() { for _ in $(seq 1 $(( ${2:-30} * 5 ))); do [ "$(metric foglet_monitor_log_lines_total)" -ge "$1" ] && break; sleep 0.2; done; }
wait_quiet_rx() { local last=-1 n; for _ in $(seq 1 ${1:-60}); do n=$(wc -l < "$W/rx.jsonl"); [ "$n" = "$last" ] && break; last=$n; sleep 2; done; }
show_metrics() { curl -s "127.0.0.1:$MPORT/metrics" | grep -E '^foglet_monitor_log_(lines_total|matches_total|gaps_total|file_rotations_total|bytes_behind|lines_cut)' | sed 's/^/  /'; }
gaps_log() { grep -E '"level":(40|50|60)' "$W/daemon.log" | grep -v '"alert' | grep -v '"key":"log:' | grep -v 'does not exist yet' | cut -c1-400 | head -${1:-6} | sed 's/^/  daemon: /'; }
lr_conf() { # $1 = directives
cat > "$W/lr.conf" <<LR
$LOG {
$1
}
LR
}
lr() { timeout 20 logrotate -f -s "$W/lr.state" "$W/lr.conf" 2>&1 | sed 's/^/  logrotate: /'; }
# all seq numbers present in the log file and its rotated siblings (ground truth after a copytruncate race)
present_seqs() { ( for f in "$LOG"*; do case "$f" in *.gz) zcat "$f";; *) cat "$f";; esac; done ) | grep -ao 'seq=[0-9]*' | cut -d= -f2 | sort -n | uniq > "$W/present.txt"; wc -l < "$W/present.txt"; }
# verdict LINES_EXPECTED LINES_READ (+ analyze args) -> PASS/FAIL
verdict() { local exp=$1 got=$2; shift 2
  echo "lines: expected=$exp read(lines_total)=$got"
  python3 "$W/analyze.py" "$W/rx.jsonl" "$@"; local a=$?
  if [ "$exp" = "$got" ] && [ $a = 0 ]; then echo PASS; return 0; else echo FAIL; return 1; fi; }
queued() { curl -s "127.0.0.1:$MPORT/status" | python3 -c "import json,sys; print(sum(s['queued'] for s in json.load(sys.stdin)['alerting']['sinks']))" 2>/dev/null || echo -1; }
# wait until the sink queue is empty (and stays empty), at most $1 s
wait_queue_empty() { local z=0; for _ in $(seq 1 $(( ${1:-180} * 2 ))); do q=$(queued); if [ "$q" = 0 ]; then z=$((z+1)); [ $z -ge 6 ] && return 0; else z=0; fi; sleep 0.5; done; echo "  (queue not empty after ${1:-180}s: $(queued))"; }
gen() { node "$W/gen.js" $1 $2 $BASE $K; }
# step NAME EXPECTED_TOTAL_LINES: waits, then prints lines_total vs expected
step() { wait_lines $2 ${3:-10}; sleep 1; local got=$(metric foglet_monitor_log_lines_total); echo "  [$1] lines_total=$got expected=$2 $([ $got = $2 ] && echo ok || echo MISMATCH)"; [ $got = $2 ] || BAD=1; }
