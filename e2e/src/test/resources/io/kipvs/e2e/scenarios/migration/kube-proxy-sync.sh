# What kube-proxy's sync does with its state, as few processes as possible (a process start costs
# a busy test node up to seconds): the dummy link if missing (created down, never set up), each
# address (an existing one is fine), every set and member (-exist), its chains' content
# (--noflush: a declared chain is replaced whole), each jump from a built-in chain unless present
# (upstream's EnsureRule: check, else insert first), and each virtual and real server added when
# missing, updated when different, left alone when equal (upstream's syncService/syncEndpoint).
# (FILENAME, not NR == FNR: the current state may be empty.)
set -e
D=$(dirname "$0")
ip link show kube-ipvs0 >/dev/null 2>&1 || ip link add kube-ipvs0 type dummy
sed 's|.*|addr add &/32 dev kube-ipvs0|' "$D/kube-ipvs0.addresses" | ip -force -batch - 2>/dev/null || true
ipset restore -exist < "$D/kube-proxy.ipset"
iptables-restore -w --noflush < "$D/kube-proxy.iptables"
iptables-save > "$D/current.iptables"
awk -v q='"' '
  FILENAME == ARGV[1] { have[$0] = 1; next }
  {
    table = $1; from = $2; to = $3; comment = $4
    for (i = 5; i <= NF; i++) comment = comment " " $i
    rule = "-A " from " -m comment --comment " q comment q " -j " to
    if (!(rule in have)) { add[table] = add[table] "-I " from " -m comment --comment " q comment q " -j " to "\n" }
  }
  END { for (t in add) printf "*%s\n%sCOMMIT\n", t, add[t] }
' "$D/current.iptables" "$D/kube-proxy.jumps" > "$D/jumps.restore"
[ ! -s "$D/jumps.restore" ] || iptables-restore -w --noflush < "$D/jumps.restore"
ipvsadm -Sn > "$D/current.ipvs"
awk '
  function key(line,  f) { split(line, f, " "); return f[1] == "-A" ? f[1] " " f[3] : f[1] " " f[3] " " f[5] }
  FILENAME == ARGV[1] { have[$0] = 1; present[key($0)] = 1; next }
  $0 in have { next }
  key($0) in present { sub(/^-A/, "-E"); sub(/^-a/, "-e") }
  { print }
' "$D/current.ipvs" "$D/kube-proxy.ipvs" > "$D/ipvs.restore"
[ ! -s "$D/ipvs.restore" ] || ipvsadm -R < "$D/ipvs.restore"
