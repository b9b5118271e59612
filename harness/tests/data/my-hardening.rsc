# my-hardening.rsc: a hand-written hardening of a fresh CHR (RouterOS 7).
# It deliberately misses one measure: the resolver is set up for LAN clients and so
# answers remote requests (allow-remote-requests=yes), the classic open-resolver mistake.
# Not covered here on purpose: updates, IPv6, device-mode, disk and NTP logging.
/user add name=netops group=full address=192.0.2.10/32 password="Correct-Horse-Battery-9"
/ip firewall address-list add list=mgmt address=192.0.2.10 comment="trusted management host"
/ip firewall filter
add chain=input action=accept connection-state=established,related comment="established"
add chain=input action=drop connection-state=invalid comment="invalid"
add chain=input action=accept protocol=icmp comment="icmp"
add chain=input action=accept src-address-list=mgmt comment="management"
add chain=input action=drop log=yes log-prefix="drop-input" comment="final drop"
/ip service
set telnet disabled=yes
set ftp disabled=yes
set www-ssl disabled=yes
set api disabled=yes
set api-ssl disabled=yes
set winbox disabled=yes
set ssh port=2222 address=192.0.2.10/32
set www port=8080 address=192.0.2.10/32
/ip dns set servers=9.9.9.9 allow-remote-requests=yes
/ip ssh set strong-crypto=yes forwarding-enabled=no
/tool bandwidth-server set enabled=no
/tool mac-server set allowed-interface-list=none
/tool mac-server mac-winbox set allowed-interface-list=none
/tool mac-server ping set enabled=no
/ip neighbor discovery-settings set discover-interface-list=none
/ip proxy set enabled=no
/ip socks set enabled=no
/ip upnp set enabled=no
/snmp set enabled=no
/tool romon set enabled=no
/ip cloud set ddns-enabled=no
/system logging action set memory memory-lines=1000
/user remove admin
