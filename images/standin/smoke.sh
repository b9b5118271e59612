#!/usr/bin/env bash
# Boot the stand-in guest under QEMU (TCG) in each form and check that ros-sim answers SSH.
#
#   smoke.sh OUT_DIR [--forms disk,vmlinuz,vmlinux] [--runs N] [--tap] [--timeout SECONDS]
#
# OUT_DIR is a build.sh output. The guest must have an address without help from the harness, so
# build it for this test with a TEST-ONLY address and arguments the ros-sim binary understands:
#   build.sh OUT --args-file F --test-addr 192.0.2.1/24,198.51.100.1/24
# Each run: QEMU with two user-mode NICs (192.0.2.0/24 and 198.51.100.0/24), a host port on
# 127.0.0.1 forwarded to 192.0.2.1:22; wait for "chrlab-standin: init" and ros-sim's "ready:";
# read the SSH identification string (SSH-2.0-ROSSSH). Prints the median times of N runs.
# --tap (root): also boot once on a tap in a namespace and reach 192.0.2.1:22 from 192.0.2.10.
# The image is never written (snapshot=on). Every QEMU, namespace and file is removed on exit.
set -euo pipefail

prog=$(basename "$0")
die() { echo "$prog: error: $*" >&2; exit 1; }
say() { echo "$prog: $*"; }

out=""
forms="disk,vmlinuz,vmlinux"
runs=3
tap=0
timeout=120
while [ $# -gt 0 ]; do
    case "$1" in
    --forms) forms=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --tap) tap=1; shift ;;
    --timeout) timeout=$2; shift 2 ;;
    -h|--help) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) out=$1; shift ;;
    esac
done
[ -n "$out" ] || die "usage: $prog OUT_DIR [--forms disk,vmlinuz,vmlinux] [--runs N] [--tap]"
for f in vmlinuz vmlinux initramfs.cpio disk.img MANIFEST; do
    [ -f "$out/$f" ] || die "$out/$f missing: run build.sh $out first"
done
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
cmdline=$(sed -n 's/^kernel-cmdline //p' "$out/MANIFEST")
[ -n "$cmdline" ] || die "no kernel-cmdline in $out/MANIFEST"
case "$cmdline" in
*chrlab.test_addr=192.0.2.1/*) ;;
*) die "the image has no TEST-ONLY address 192.0.2.1 (build it with --test-addr 192.0.2.1/24,198.51.100.1/24)" ;;
esac

tmp=$(mktemp -d /tmp/chrlab-standin-smoke.XXXXXX)
qemu_pids=()
netns_made=()
cleanup() {
    local pid ns
    for pid in "${qemu_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${qemu_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for ns in "${netns_made[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
free_port() {
    local p
    for _ in $(seq 50); do
        p=$(( 20000 + RANDOM % 20000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
    done
    die "no free port found"
}

# boot_args FORM: the QEMU arguments that load the guest in that form.
boot_args() {
    case "$1" in
    disk) echo "-drive file=$out/disk.img,format=raw,if=virtio,snapshot=on" ;;
    vmlinuz) echo "-kernel $out/vmlinuz -initrd $out/initramfs.cpio" ;;
    vmlinux) echo "-kernel $out/vmlinux -initrd $out/initramfs.cpio" ;;
    *) die "unknown form $1 (disk, vmlinuz, vmlinux)" ;;
    esac
}

# read_ssh_id HOST PORT: the first line the server sends, within 10 s.
read_ssh_id() {
    timeout 10 bash -c 'exec 3<>"/dev/tcp/$1/$2" && IFS= read -r -t 10 line <&3 && printf "%s\n" "${line%$'"'"'\r'"'"'}"' _ "$1" "$2" 2>/dev/null || true
}

# one_boot FORM RUN: boot, time the markers, check SSH. Appends "FORM marker ready" to results.
one_boot() {
    local form=$1 run=$2 port log t0 t_marker="" t_ready="" pid id
    port=$(free_port)
    log="$tmp/$form.$run.log"
    local -a append=()
    [ "$form" = disk ] || append=(-append "$cmdline")
    : > "$log"
    t0=$(now)
    # shellcheck disable=SC2046 # boot_args is a list of words without spaces inside
    qemu-system-x86_64 -accel tcg -m 256 -nographic -monitor none -no-reboot \
        $(boot_args "$form") "${append[@]}" \
        -netdev "user,id=n0,net=192.0.2.0/24,host=192.0.2.2,hostfwd=tcp:127.0.0.1:$port-192.0.2.1:22" \
        -device virtio-net-pci,netdev=n0,romfile= \
        -netdev user,id=n1,net=198.51.100.0/24,host=198.51.100.2 \
        -device virtio-net-pci,netdev=n1,romfile= \
        </dev/null >"$log" 2>&1 &
    pid=$!
    qemu_pids+=("$pid")
    while :; do
        if [ -z "$t_marker" ] && grep -q 'chrlab-standin: init' "$log"; then t_marker=$(now); fi
        if grep -q '^ready: ' "$log"; then t_ready=$(now); break; fi
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "$form run $run: QEMU ended before ready:"; }
        if [ "$(echo "$(now) - $t0 > $timeout" | bc)" = 1 ]; then
            cat "$log" >&2; die "$form run $run: no ready: line within ${timeout}s"
        fi
        sleep 0.02
    done
    [ -n "$t_marker" ] || t_marker=$t_ready
    id=$(read_ssh_id 127.0.0.1 "$port")
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    case "$id" in
    SSH-2.0-ROSSSH*) ;;
    *) cat "$log" >&2; die "$form run $run: expected SSH-2.0-ROSSSH from 127.0.0.1:$port, got '${id}'" ;;
    esac
    local m r
    m=$(echo "$t_marker - $t0" | bc); r=$(echo "$t_ready - $t0" | bc)
    printf '%s: %-8s run %d: marker %6.2f s  ready %6.2f s  ssh "%s"\n' "$prog" "$form" "$run" "$m" "$r" "$id"
    echo "$form $m $r" >> "$tmp/results"
}

command -v bc >/dev/null || die "bc not found (apt-get install bc)"
IFS=, read -r -a form_list <<< "$forms"
for form in "${form_list[@]}"; do
    boot_args "$form" >/dev/null
    for run in $(seq "$runs"); do one_boot "$form" "$run"; done
done
first_log=$(ls "$tmp"/*.1.log 2>/dev/null | head -n1 || true)

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
say "median of $runs (seconds from QEMU start):"
for form in "${form_list[@]}"; do
    m=$(awk -v f="$form" '$1==f {print $2}' "$tmp/results" | median)
    r=$(awk -v f="$form" '$1==f {print $3}' "$tmp/results" | median)
    printf '%s:   %-8s marker %6.2f  ready %6.2f\n' "$prog" "$form" "$m" "$r"
done
if [ -n "$first_log" ]; then
    say "console of $(basename "$first_log" .log), power-on to ready: (control characters shown as ^X):"
    sed -n '1,/^ready: /p' "$first_log" | cat -v | sed 's/^/    | /'
fi

# --- tap in namespaces --------------------------------------------------------------------------
if [ "$tap" = 1 ]; then
    [ "$(id -u)" = 0 ] || die "--tap needs root"
    ns=chrlab-standin-test
    peer=chrlab-standin-peer
    for n in "$ns" "$peer"; do
        ! ip netns list | grep -qw "$n" || die "namespace $n already exists (left by another run?)"
    done
    ip netns add "$ns"; netns_made+=("$ns")
    ip netns add "$peer"; netns_made+=("$peer")
    ip -n "$ns" link set lo up
    ip -n "$ns" link add br0 type bridge
    ip -n "$ns" link set br0 up
    ip -n "$ns" tuntap add dev tap0 mode tap
    ip -n "$ns" link set tap0 master br0 up
    ip -n "$ns" link add vpeer type veth peer name eth0 netns "$peer"
    ip -n "$ns" link set vpeer master br0 up
    ip -n "$peer" link set lo up
    ip -n "$peer" addr add 192.0.2.10/24 dev eth0
    ip -n "$peer" link set eth0 up
    log="$tmp/tap.log"
    t0=$(now)
    ip netns exec "$ns" qemu-system-x86_64 -accel tcg -m 256 -nographic -monitor none -no-reboot \
        -kernel "$out/vmlinux" -initrd "$out/initramfs.cpio" -append "$cmdline" \
        -netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device virtio-net-pci,netdev=n0,romfile= \
        -netdev user,id=n1,net=198.51.100.0/24,host=198.51.100.2 -device virtio-net-pci,netdev=n1,romfile= \
        </dev/null >"$log" 2>&1 &
    pid=$!
    qemu_pids+=("$pid")
    while ! grep -q '^ready: ' "$log"; do
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "tap: QEMU ended before ready:"; }
        [ "$(echo "$(now) - $t0 > $timeout" | bc)" = 0 ] || { cat "$log" >&2; die "tap: no ready: line"; }
        sleep 0.05
    done
    id=$(ip netns exec "$peer" bash -c "$(declare -f read_ssh_id); read_ssh_id 192.0.2.1 22")
    case "$id" in
    SSH-2.0-ROSSSH*) say "tap: 192.0.2.10 -> 192.0.2.1:22 answered \"$id\"" ;;
    *) cat "$log" >&2; die "tap: expected SSH-2.0-ROSSSH from 192.0.2.1:22 (from 192.0.2.10), got '$id'" ;;
    esac
fi
say "OK"
