#!/usr/bin/env bash
# End-to-end NBD benchmark: fio's nbd engine against jraid's server (a RAID-5 of 5 in-memory
# members, 64 KiB chunks: io.jraid.bench.NbdServe) and, in the same run, against qemu-nbd serving
# one raw file of the same size on tmpfs (/dev/shm). Four workloads, each repeated (alternating
# the two servers), medians and the ratio jraid / qemu-nbd printed with the targets:
#   sequential 1 MiB writes and reads   >= 0.5 x qemu-nbd
#   random 4 KiB writes, iodepth 32      >= 0.3 x qemu-nbd
#   random 4 KiB reads, iodepth 32       >= 0.5 x qemu-nbd
#
# Usage: jraid-bench/scripts/nbd-vs-qemu.sh
# Environment: SIZE_MIB (1024), RUNTIME (seconds per run, 5), REPEATS (3), SEQ_DEPTH (8),
#   JRAID_JAVA_OPTS (extra JVM options for the server), KEEP_LOGS=1 (keep the work folder).
# Needs: a JDK 25 (JAVA_HOME or /usr/lib/jvm), fio with the nbd engine, qemu-nbd, python3.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
size_mib=${SIZE_MIB:-1024}
runtime=${RUNTIME:-5}
repeats=${REPEATS:-3}
seq_depth=${SEQ_DEPTH:-8}

for tool in fio qemu-nbd python3; do
  command -v "$tool" >/dev/null || { echo "nbd-vs-qemu: $tool is not installed" >&2; exit 3; }
done
fio --enghelp=nbd >/dev/null 2>&1 || { echo "nbd-vs-qemu: this fio has no nbd engine" >&2; exit 3; }

if [ -z "${JAVA_HOME:-}" ]; then
  for dir in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25*; do
    [ -x "$dir/bin/java" ] && { JAVA_HOME=$dir; break; }
  done
fi
[ -x "${JAVA_HOME:-}/bin/java" ] || { echo "nbd-vs-qemu: no JDK 25 found; set JAVA_HOME" >&2; exit 3; }
export JAVA_HOME

jar="$here/jraid-bench/target/benchmarks.jar"
flags_file="$here/jraid-bench/target/classes/io/jraid/bench/jvm.flags"
if [ ! -f "$jar" ] || [ -n "$(find "$here" -path "$here/.git" -prune -o \( -name '*.java' -o -name pom.xml \) -newer "$jar" -print -quit)" ]; then
  echo "building jraid-bench..." >&2
  (cd "$here" && ./mvnw -q -B -ntp -DskipTests -Dspotless.check.skip=true -pl jraid-bench -am install) >&2
fi
read -r -a jvm_flags < "$flags_file"
read -r -a extra <<< "${JRAID_JAVA_OPTS:-}"

work=$(mktemp -d /tmp/nbd-vs-qemu.XXXXXX)
image=$(mktemp /dev/shm/nbd-vs-qemu.XXXXXX.img)
jraid_pid=""
cleanup() {
  [ -n "$jraid_pid" ] && { kill "$jraid_pid" 2>/dev/null; wait "$jraid_pid" 2>/dev/null || true; }
  if [ -f "$work/qemu-nbd.pid" ]; then
    qemu_pid=$(cat "$work/qemu-nbd.pid")
    kill "$qemu_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$image"
  if [ "${KEEP_LOGS:-0}" = 1 ]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# jraid: SIGTERM stops the server, which then prints its request counts.
"$JAVA_HOME/bin/java" "${jvm_flags[@]}" "${extra[@]}" -cp "$jar" io.jraid.bench.NbdServe \
  --port 0 --size-mib "$size_mib" --disks 5 --level 5 --chunk-kib 64 \
  < /dev/null > "$work/jraid.log" 2>&1 &
jraid_pid=$!
for _ in $(seq 100); do
  grep -q '^listening on' "$work/jraid.log" 2>/dev/null && break
  kill -0 "$jraid_pid" 2>/dev/null || { cat "$work/jraid.log" >&2; exit 1; }
  sleep 0.2
done
jraid_port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/jraid.log")
[ -n "$jraid_port" ] || { cat "$work/jraid.log" >&2; exit 1; }
grep "^raid" "$work/jraid.log" >&2

# qemu-nbd: one raw file of the same size on tmpfs, several connections allowed.
truncate -s "$((size_mib))M" "$image"
qemu_port=$(free_port)
qemu-nbd --fork --persistent --shared=16 --pid-file="$work/qemu-nbd.pid" -f raw -x md \
  -b 127.0.0.1 -p "$qemu_port" "$image"

declare -A uri=([jraid]="nbd://127.0.0.1:$jraid_port/md" [qemu]="nbd://127.0.0.1:$qemu_port/md")

# name | fio options | the figure compared
workloads=(
  "seq-write-1m|--rw=write --bs=1m --iodepth=$seq_depth|bw"
  "seq-read-1m|--rw=read --bs=1m --iodepth=$seq_depth|bw"
  "rand-write-4k|--rw=randwrite --bs=4k --iodepth=32 --norandommap --randrepeat=0|iops"
  "rand-read-4k|--rw=randread --bs=4k --iodepth=32 --norandommap --randrepeat=0|iops"
)

run_fio() { # server name options-string output-file
  # shellcheck disable=SC2086
  fio --name="$2" --ioengine=nbd --uri="${uri[$1]}" --size="${size_mib}m" --numjobs=1 \
    --time_based --runtime="$runtime" --ramp_time=1 --output-format=json --output="$4" $3 >/dev/null
}

echo "filling both exports (unmeasured, also warms the JVM)..." >&2
for server in jraid qemu; do
  fio --name=fill --ioengine=nbd --uri="${uri[$server]}" --size="${size_mib}m" --rw=write \
    --bs=1m --iodepth=8 --output-format=json --output="$work/fill-$server.json" >/dev/null
done

for rep in $(seq "$repeats"); do
  for w in "${workloads[@]}"; do
    IFS='|' read -r name opts _ <<< "$w"
    for server in jraid qemu; do
      echo "run $rep/$repeats: $name on $server" >&2
      run_fio "$server" "$name" "$opts" "$work/$name-$server-$rep.json"
    done
  done
done

kill "$jraid_pid"
wait "$jraid_pid" || true
jraid_pid=""

python3 - "$work" "$repeats" "$size_mib" "$runtime" "${workloads[@]}" <<'EOF'
import json, statistics, sys
work, repeats = sys.argv[1], int(sys.argv[2])
size_mib, runtime = sys.argv[3], sys.argv[4]
targets = {"seq-write-1m": 0.5, "seq-read-1m": 0.5, "rand-write-4k": 0.3, "rand-read-4k": 0.5}

def figure(path, kind):
    job = json.load(open(path))["jobs"][0]
    side = job["write"] if job["write"]["io_bytes"] > 0 else job["read"]
    if job["error"]:
        sys.exit("fio reported error %d in %s" % (job["error"], path))
    return side["bw_bytes"] / 2**20 if kind == "bw" else side["iops"] / 1000

print()
print("fio --ioengine=nbd, %s MiB export, %s s per run, median of %d runs" % (size_mib, runtime, repeats))
print("%-14s %12s %12s %8s %8s  %s" % ("workload", "jraid", "qemu-nbd", "ratio", "target", ""))
ok = True
for w in sys.argv[5:]:
    name, _, kind = w.split("|")
    unit = "MiB/s" if kind == "bw" else "kIOPS"
    med = {}
    for server in ("jraid", "qemu"):
        med[server] = statistics.median(
            figure("%s/%s-%s-%d.json" % (work, name, server, r), kind) for r in range(1, repeats + 1))
    ratio = med["jraid"] / med["qemu"]
    met = ratio >= targets[name]
    ok &= met
    print("%-14s %7.1f %-5s %6.1f %-5s %7.2f %7.2f  %s" % (
        name, med["jraid"], unit, med["qemu"], unit, ratio, targets[name], "met" if met else "MISSED"))
print()
print("all targets met" if ok else "some targets missed")
EOF
echo "jraid server: $(grep -E '^(requests:|read [0-9])' "$work/jraid.log" | tr '\n' ';')" >&2
