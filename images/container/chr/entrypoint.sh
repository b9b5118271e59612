#!/bin/sh
# chrlab CHR container entrypoint (docker-routeros layout): bridges every container interface
# ethK to a tap tapK and runs /routeros/chr.img under QEMU with one virtio NIC per tap, so the
# router's etherK+1 sits on ethK's Docker network, at ethK's address. POSIX sh (busybox ash,
# alpine). The contract (env, stdout lines, sockets) is in README.md next to this file.
#
# Arguments given to the container are appended to QEMU's command line.
# shellcheck disable=SC2015  # "A && B || die": die is meant to run when either fails
set -u

DISK=/routeros/chr.img
WAIT_SECONDS=60

say() { echo "chrlab-chr: $*"; }
die() { echo "chrlab-chr: error: $*" >&2; exit 1; }

is_number() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }

# ethK counts as attached once it exists and is up: Docker sets the address before the link up.
iface_up() {
    [ -e "/sys/class/net/$1" ] || return 1
    flags=$(cat "/sys/class/net/$1/flags" 2>/dev/null) || return 1
    [ $((flags & 1)) -eq 1 ]
}

nap() { sleep 0.2 2>/dev/null || sleep 1; }

# --- settings -----------------------------------------------------------------------------------
want=${CHRLAB_WAIT_INTERFACES:-1}
is_number "$want" && [ "$want" -ge 1 ] || die "CHRLAB_WAIT_INTERFACES must be a number >= 1, not '$want'"
memory=${CHRLAB_QEMU_MEMORY:-256}
is_number "$memory" && [ "$memory" -ge 64 ] || die "CHRLAB_QEMU_MEMORY must be MiB >= 64, not '$memory'"
accel=${CHRLAB_QEMU_ACCEL:-auto}
case $accel in
auto)
    if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -q -w -e vmx -e svm /proc/cpuinfo 2>/dev/null; then
        accel=kvm
    else
        accel=tcg
    fi
    ;;
kvm)
    [ -r /dev/kvm ] && [ -w /dev/kvm ] || die "CHRLAB_QEMU_ACCEL=kvm but /dev/kvm is not readable and writable (docker run --device /dev/kvm)"
    ;;
tcg) ;;
*) die "CHRLAB_QEMU_ACCEL must be kvm, tcg or auto, not '$accel'" ;;
esac
dhcp=${CHRLAB_DHCP:-0}
case $dhcp in 0 | 1) ;; *) die "CHRLAB_DHCP must be 0 or 1, not '$dhcp'" ;; esac
run_dir=${CHRLAB_RUN_DIR:-}
if [ -n "$run_dir" ]; then
    [ -d "$run_dir" ] || die "CHRLAB_RUN_DIR=$run_dir is not a directory (bind-mount one: -v HOSTDIR:$run_dir)"
    case $run_dir in *,*) die "CHRLAB_RUN_DIR must not contain a comma (QEMU option syntax): $run_dir" ;; esac
    # sun_path holds 107 bytes; the longest socket name is console.sock.
    [ ${#run_dir} -le 94 ] || die "CHRLAB_RUN_DIR is too long for a unix socket path (max 94 bytes): $run_dir"
fi
[ -c /dev/net/tun ] || die "/dev/net/tun is missing (docker run --device /dev/net/tun)"
[ -r "$DISK" ] || die "no readable disk image at $DISK"
command -v qemu-system-x86_64 >/dev/null 2>&1 || die "qemu-system-x86_64 is not on PATH"

# --- disk format by signature (never written: snapshot=on) --------------------------------------
sig_at() { dd if="$DISK" bs=1 skip="$1" count="$2" 2>/dev/null | od -An -tx1 | tr -d ' \n'; }
case $(sig_at 0 8) in
514649fb*) format=qcow2 ;;
4b444d56*) format=vmdk ;;
7668647866696c65) format=vhdx ;;
*) if [ "$(sig_at 64 4)" = 7f10dabe ]; then format=vdi; else format=raw; fi ;;
esac

# --- wait for eth0..eth(N-1) ---------------------------------------------------------------------
names=""
k=0
while [ "$k" -lt "$want" ]; do names="$names eth$k"; k=$((k + 1)); done
missing() {
    m=""
    for n in $names; do iface_up "$n" || m="$m $n"; done
    echo "${m# }"
}
left=$(missing)
if [ -n "$left" ]; then
    say "waiting up to $WAIT_SECONDS s for$names (missing: $left)"
    start=$(date +%s)
    while left=$(missing) && [ -n "$left" ]; do
        [ $(($(date +%s) - start)) -lt "$WAIT_SECONDS" ] || die "after $WAIT_SECONDS s still missing: $left (CHRLAB_WAIT_INTERFACES=$want; docker network connect them)"
        nap
    done
    say "interfaces up after $(($(date +%s) - start)) s:$names"
fi

# --- bridge ethK <-> brK <-> tapK ------------------------------------------------------------------
mkbridge() {
    ip link add "$1" type bridge 2>/dev/null || brctl addbr "$1" 2>/dev/null \
        || die "cannot create bridge $1 (docker run --cap-add NET_ADMIN)"
}
mktap() {
    ip tuntap add dev "$1" mode tap 2>/dev/null || tunctl -t "$1" >/dev/null 2>&1 \
        || die "cannot create tap $1 (docker run --cap-add NET_ADMIN --device /dev/net/tun)"
}
enslave() {
    ip link set dev "$1" master "$2" 2>/dev/null || brctl addif "$2" "$1" 2>/dev/null \
        || die "cannot add $1 to bridge $2"
}
ifup() { ip link set dev "$1" up || die "cannot bring $1 up"; }

prefix_to_mask() {
    p=$1 m=""
    for _ in 1 2 3 4; do
        if [ "$p" -ge 8 ]; then o=255 p=$((p - 8)); else o=$(((256 - (1 << (8 - p))) & 255)) p=0; fi
        m="$m${m:+.}$o"
    done
    echo "$m"
}

# CHRLAB_DHCP=1: udhcpd on brK hands ethK's old address (documentation ranges only) to the VM's
# MAC, for a real CHR's default DHCP client. Server identifier: the default gateway when it is on
# ethK, else ethK's old address itself (no address is invented); router option: that gateway.
start_dhcp() { # br eth addr/prefix vm-mac gateway-or-empty
    ip=${3%/*}
    case $ip in
    192.0.2.* | 198.51.100.* | 203.0.113.*) ;;
    *) die "CHRLAB_DHCP=1 serves only documentation-range addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24); $2 has $3" ;;
    esac
    conf=/tmp/udhcpd-$1.conf
    {
        echo "interface $1"
        echo "start $ip"
        echo "end $ip"
        echo "max_leases 1"
        echo "static_lease $4 $ip"
        echo "lease_file /tmp/udhcpd-$1.leases"
        echo "pidfile /tmp/udhcpd-$1.pid"
        echo "option subnet $(prefix_to_mask "${3#*/}")"
        echo "option lease 86400"
        [ -z "$5" ] || echo "option router $5"
    } >"$conf" || die "cannot write $conf"
    : >"/tmp/udhcpd-$1.leases"
    udhcpd -f -I "${5:-$ip}" "$conf" >/dev/null 2>&1 &
    say "dhcp on $1: $ip to $4 (server ${5:-$ip}${5:+, router $5})"
}

# NIC arguments are collected after the container's own arguments, then rotated behind QEMU's.
nargs=$#
k=0
while [ -e "/sys/class/net/eth$k" ]; do
    eth=eth$k br=br$k tap=tap$k
    mac=$(cat "/sys/class/net/$eth/address") || die "cannot read the MAC of $eth"
    mtu=$(cat "/sys/class/net/$eth/mtu") || die "cannot read the MTU of $eth"
    addr=$(ip -o -4 addr show dev "$eth" | sed -n 's/.* inet \([0-9.]*\/[0-9]*\).*/\1/p' | head -n 1)
    [ -n "$addr" ] || addr=none
    gw=$(ip route show default 2>/dev/null | sed -n "s/^default via \([0-9.]*\) dev $eth\( .*\)\{0,1\}\$/\1/p" | head -n 1)
    # VM MAC: 52:54:<K in hex>:<the last three octets of ethK's MAC>. Docker derives ethK's MAC
    # from its IPv4 address (02:42:a:b:c:d), so this is unique per network and per interface.
    [ "$k" -le 255 ] || die "more than 256 interfaces"
    vmmac=$(printf '52:54:%02x:%s' "$k" "${mac#*:*:*:}")
    [ "$vmmac" != "$mac" ] || vmmac=$(printf '52:55:%02x:%s' "$k" "${mac#*:*:*:}")
    ip addr flush dev "$eth" || die "cannot flush the addresses of $eth (docker run --cap-add NET_ADMIN)"
    mkbridge "$br"
    mktap "$tap"
    ip link set dev "$tap" mtu "$mtu" 2>/dev/null || true
    enslave "$eth" "$br"
    enslave "$tap" "$br"
    ifup "$eth"
    ifup "$tap"
    ifup "$br"
    say "ether$((k + 1)) $eth $addr mac $vmmac"
    if [ "$dhcp" = 1 ] && [ "$addr" != none ]; then start_dhcp "$br" "$eth" "$addr" "$vmmac" "$gw"; fi
    set -- "$@" -netdev "tap,id=n$k,ifname=$tap,script=no,downscript=no" \
        -device "virtio-net-pci,netdev=n$k,mac=$vmmac,romfile="
    k=$((k + 1))
done
[ "$k" -ge 1 ] || die "no eth0 (the container needs a network: docker run --network NET)"

# --- console, QMP, disk ----------------------------------------------------------------------------
if [ -n "$run_dir" ]; then
    rm -f "$run_dir/console.sock" "$run_dir/qmp.sock" "$run_dir/qemu.pid"
    set -- "$@" -chardev "socket,id=con0,path=$run_dir/console.sock,server=on,wait=off,logfile=$run_dir/console.log" \
        -serial chardev:con0 -qmp "unix:$run_dir/qmp.sock,server=on,wait=off" -pidfile "$run_dir/qemu.pid"
    say "console $run_dir/console.sock qmp $run_dir/qmp.sock log $run_dir/console.log"
else
    set -- "$@" -serial mon:stdio
fi
set -- "$@" -name chrlab-chr -machine pc -nodefaults -display none -accel "$accel" -m "$memory" \
    -drive "file=$DISK,if=virtio,format=$format,snapshot=on"
say "disk $DISK format=$format (snapshot=on: never written)"

# Move the container's own arguments behind ours: QEMU numbers PCI devices in command-line order.
while [ "$nargs" -gt 0 ]; do
    a=$1
    shift
    set -- "$@" "$a"
    nargs=$((nargs - 1))
done
say "starting qemu accel=$accel memory=$memory"
exec qemu-system-x86_64 "$@"
