#!/usr/bin/env bash
# End-to-end proof of the chrlab CHR container, with the docker CLI only (root):
#
#   smoke.sh DISK
#
# Builds the image (build.sh) from DISK (a CHR .img, or the stand-in's disk.img), creates two
# labelled networks (trusted 192.0.2.224/28, untrusted 198.51.100.224/28; override with
# CHR_SMOKE_TRUSTED / CHR_SMOKE_UNTRUSTED), runs the container on both, logs in on the console
# socket and gives ether1/ether2 the addresses the entrypoint named, then proves from the host,
# bound to each network's gateway address, that REST answers at the container's own addresses,
# that the router sees the host's real source address (a failed login logged "from <gateway>"),
# and that a firewall rule on that source address really drops the untrusted side.
# Everything is labelled chrlab=$CHR_SMOKE_ID (default chr-smoke-<pid>) and removed on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prog=$(basename "$0")
t_start=$SECONDS
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

die() { echo "$prog: error: $*" >&2; exit 1; }
step() { printf '%s: [%3ss] %s\n' "$prog" "$((SECONDS - t_start))" "$*"; }

[ $# -eq 1 ] || { sed -n '4s/^# \{0,1\}//p' "$0" >&2; exit 2; }
disk=$1
[ -f "$disk" ] || die "DISK $disk is not a file"
[ "$(id -u)" = 0 ] || die "needs root (docker, and the console socket QEMU creates as root)"
for t in docker curl python3; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found (apt-get install ${t/docker/docker.io})"
done

id=${CHR_SMOKE_ID:-chr-smoke-$$}
[[ "$id" =~ ^[a-z0-9][a-z0-9_.-]*$ ]] || die "CHR_SMOKE_ID '$id' must be [a-z0-9_.-]"
label="chrlab=$id"
trusted_net=${CHR_SMOKE_TRUSTED:-192.0.2.224/28}
untrusted_net=${CHR_SMOKE_UNTRUSTED:-198.51.100.224/28}
for n in "$trusted_net" "$untrusted_net"; do
    case "$n" in
    192.0.2.*|198.51.100.*|203.0.113.*) ;;
    *) die "$n is not in a documentation range (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24)" ;;
    esac
done
image="chrlab-smoke/chr:$id"
ctr="$id"
rundir=$(mktemp -d "${TMPDIR:-/tmp}/$id.XXXXXX")

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    step "cleanup: everything labelled $label"
    if [ "$rc" != 0 ]; then
        docker logs "$ctr" 2>&1 | sed 's/^/  container: /' | tail -n 30 || true
    fi
    docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null 2>&1 || true
    docker network ls -q --filter "label=$label" | xargs -r docker network rm >/dev/null 2>&1 || true
    docker images -q --filter "label=$label" | sort -u | xargs -r docker rmi -f >/dev/null 2>&1 || true
    rm -rf "$rundir"
    left=$( { docker ps -aq --filter "label=$label"; docker network ls -q --filter "label=$label"; \
              docker images -q --filter "label=$label"; } | wc -l)
    [ "$left" = 0 ] || echo "$prog: warning: $left objects labelled $label are left" >&2
    step "total $((SECONDS - t_start)) s, exit $rc"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- image -------------------------------------------------------------------------------------------
t=$(now)
step "building $image from $disk"
"$here/build.sh" "$image" --disk "$disk" --label "$label" | sed 's/^/  /'
t_build=$(since "$t")

# --- networks and container --------------------------------------------------------------------------
step "networks: $id-trusted $trusted_net, $id-untrusted $untrusted_net"
for side in trusted untrusted; do
    net=$trusted_net; [ "$side" = trusted ] || net=$untrusted_net
    docker network create --subnet "$net" --label "$label" "$id-$side" >/dev/null \
        || die "cannot create network $id-$side on $net (another Docker network on it? CHR_SMOKE_${side^^}=<doc range /28>)"
done
# The host's address on a network: on its bridge br-<first 12 of the id> (the IPAM config
# names the gateway only when one was given at create).
host_addr() {
    local nid a
    nid=$(docker network inspect -f '{{.Id}}' "$1") || die "docker network inspect $1 failed"
    a=$(ip -o -4 addr show dev "br-${nid:0:12}" 2>/dev/null | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' | head -n 1)
    [ -n "$a" ] || die "no IPv4 address on br-${nid:0:12}, the bridge of $1"
    echo "$a"
}
gw_t=$(host_addr "$id-trusted")
gw_u=$(host_addr "$id-untrusted")
step "host (gateway) addresses: trusted $gw_t, untrusted $gw_u"
docker create --name "$ctr" --label "$label" --network "$id-trusted" \
    --cap-add NET_ADMIN --device /dev/net/tun \
    -e CHRLAB_WAIT_INTERFACES=2 -e CHRLAB_QEMU_ACCEL=tcg -e CHRLAB_RUN_DIR=/run/chrlab \
    -v "$rundir:/run/chrlab" "$image" >/dev/null
docker network connect "$id-untrusted" "$ctr"
t_boot=$(now)
docker start "$ctr" >/dev/null
step "started $ctr; waiting for 'chrlab-chr: starting qemu'"
deadline=$((SECONDS + 90))
until docker logs "$ctr" 2>/dev/null | grep -q '^chrlab-chr: starting qemu'; do
    [ "$(docker inspect -f '{{.State.Running}}' "$ctr")" = true ] || die "the container exited"
    [ "$SECONDS" -lt "$deadline" ] || die "no 'starting qemu' line after 90 s"
    sleep 0.5
done
docker logs "$ctr" 2>&1 | sed 's/^/  container: /'

# chrlab-chr: ether<K+1> eth<K> <addr>/<prefix> mac <vm-mac>
mapfile -t ethers < <(docker logs "$ctr" 2>/dev/null | sed -n 's/^chrlab-chr: \(ether[0-9]*\) eth[0-9]* \([0-9.]*\/[0-9]*\) mac .*/\1 \2/p')
[ "${#ethers[@]}" = 2 ] || die "expected 2 'chrlab-chr: ether…' lines with addresses, got ${#ethers[@]}"
read -r ether_t addr_t <<<"${ethers[0]}"
read -r ether_u addr_u <<<"${ethers[1]}"
ip_t=${addr_t%/*} ip_u=${addr_u%/*}
if [ "$ether_t" != ether1 ] || [ "$ether_u" != ether2 ]; then die "unexpected ether names: ${ethers[*]}"; fi

# --- console: log in, set the addresses --------------------------------------------------------------
for _ in $(seq 50); do [ -S "$rundir/console.sock" ] && break; sleep 0.1; done
[ -S "$rundir/console.sock" ] || die "no console socket $rundir/console.sock"
step "console: logging in, /ip address add $addr_t on $ether_t and $addr_u on $ether_u (deadline 300 s)"
t_console=$(since "$t_boot")
console_out=$(python3 "$here/console.py" "$rundir/console.sock" 300 \
    "/ip address add address=$addr_t interface=$ether_t" \
    "/ip address add address=$addr_u interface=$ether_u") || die "console dialogue failed"
printf '%s\n' "$console_out" | sed 's/^/  /'
login_after=$(sed -n 's/^login-prompt-after //p' <<<"$console_out")
t_login=$(awk -v a="$t_console" -v b="$login_after" 'BEGIN { printf "%.1f", a + b }')
t_configured=$(since "$t_boot")

# --- proofs from the host ------------------------------------------------------------------------------
rest() { # SRC USER:PASS URL [curl args...]
    local src=$1 cred=$2 url=$3; shift 3
    curl -sS -m 5 --interface "$src" -u "$cred" "$@" "$url"
}
wait_rest() { # SRC IP
    local d=$((SECONDS + 60)) out
    until out=$(rest "$1" admin: "http://$2/rest/system/identity" 2>&1); do
        [ "$SECONDS" -lt "$d" ] || die "REST at $2 from $1 did not answer in 60 s: $out"
        sleep 1
    done
    echo "$out"
}
step "REST from $gw_t (trusted) to $ip_t:"
echo "  $(wait_rest "$gw_t" "$ip_t")"
step "REST from $gw_u (untrusted) to $ip_u:"
echo "  $(wait_rest "$gw_u" "$ip_u")"
t_rest=$(since "$t_boot")

step "a wrong password from $gw_u, then the router's log read from the trusted side"
code=$(rest "$gw_u" admin:wrong-smoke "http://$ip_u/rest/system/identity" -o /dev/null -w '%{http_code}' || true)
echo "  HTTP $code for admin:wrong-smoke"
[ "$code" = 401 ] || die "a wrong password got HTTP $code, not 401"
log=$(rest "$gw_t" admin: "http://$ip_t/rest/log") || die "cannot read /rest/log"
seen=$(grep -o "login failure for user admin from [0-9.]* via [a-z-]*" <<<"$log" | tail -n 1 || true)
echo "  router log: ${seen:-<no login failure line>}"
[[ "$seen" == *" from $gw_u via "* ]] || die "the router did not log the real source $gw_u"

step "firewall: /ip firewall filter add chain=input src-address=$gw_u action=drop (over REST, trusted)"
rest "$gw_t" admin: "http://$ip_t/rest/ip/firewall/filter" -X PUT -H 'content-type: application/json' \
    -d "{\"chain\":\"input\",\"src-address\":\"$gw_u\",\"action\":\"drop\"}" | sed 's/^/  /'
echo
sleep 1
rc=0
out=$(rest "$gw_u" admin: "http://$ip_u/rest/system/identity" -m 5 2>&1) || rc=$?
echo "  untrusted $gw_u -> $ip_u: curl exit $rc ${out:+($out)}"
[ "$rc" = 28 ] || die "the untrusted request was not dropped (curl exit $rc, 28 = timeout expected)"
out=$(rest "$gw_t" admin: "http://$ip_t/rest/system/identity") || die "the trusted request failed after the drop rule: $out"
echo "  trusted   $gw_t -> $ip_t: $out"

step "PASS"
echo "$prog: timings (s): image build $t_build; from docker start: login prompt $t_login, addresses set $t_configured, REST answering on both $t_rest; total $((SECONDS - t_start))"
