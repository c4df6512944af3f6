package io.kipvs.e2e.testbed;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * A pod in a node: a network namespace named after the pod, joined to the node by a veth pair
 * ({@code eth0} in the pod, {@link #vethName()} on the node), with a /32 address, a /32 route on
 * the node, an IPv6 /128 ({@link #ip6()}, default route via a link-local gateway on the node's end
 * of the veth), and servers that answer with the pod's name over IPv4 and IPv6: HTTP on TCP {@link
 * #HTTP_PORT} (busybox httpd, body = name, no newline), UDP {@link #UDP_PORT} (every datagram is
 * answered with the name) and SCTP {@link #SCTP_PORT} (each association gets the name, then is shut
 * down). The HTTP server also answers {@link #CLIENT_ADDRESS_PATH} with the address the request
 * came from, as the pod saw it: what tests of source address preservation and masquerading read.
 */
public final class Pod {
  public static final int HTTP_PORT = 8080;
  public static final int UDP_PORT = 8080;
  public static final int SCTP_PORT = 8080;

  /** The HTTP path whose body is the client's address as the pod saw it (a CGI script). */
  public static final String CLIENT_ADDRESS_PATH = "/cgi-bin/client";

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,40}");
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})(\\.\\d{1,3}){3}");

  private final Node node;
  private final String name;
  private final String ip;
  private final String ip6;
  private final String vethName;
  private volatile boolean deleted;

  private Pod(Node node, String name, String ip, String ip6, String vethName) {
    this.node = node;
    this.name = name;
    this.ip = ip;
    this.ip6 = ip6;
    this.vethName = vethName;
  }

  static Pod create(Node node, String name, String ip, String ip6, String vethName) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "pod name '" + name + "' on node " + node.name() + " must match " + NAME.pattern());
    }
    if (ip == null || !IPV4.matcher(ip).matches()) {
      throw new IllegalArgumentException(
          "pod " + name + " on node " + node.name() + ": '" + ip + "' is not an IPv4 address");
    }
    ExecResult result = node.exec(setupScript(name, ip, ip6, vethName, node.podGateway()));
    if (!result.succeeded()) {
      // Leave no half-made pod behind: its name and address must stay usable.
      node.exec(teardownScript(name, vethName));
      throw new NodeCommandException(node.name(), result);
    }
    return new Pod(node, name, ip, ip6, vethName);
  }

  public String name() {
    return name;
  }

  public String ip() {
    return ip;
  }

  /** The pod's IPv6 address (every pod is dual-stack), e.g. fd00:244:1::2. */
  public String ip6() {
    return ip6;
  }

  public Node node() {
    return node;
  }

  /** The node's end of the pod's veth pair. */
  public String vethName() {
    return vethName;
  }

  /** Runs a shell script in the pod's network namespace (the node's file system and PIDs). */
  public ExecResult exec(String script) {
    return exec(script, Node.DEFAULT_TIMEOUT);
  }

  public ExecResult exec(String script, Duration timeout) {
    checkNotDeleted();
    return node.exec("ip netns exec " + name + " sh -c " + Shell.quote(script), timeout);
  }

  /** Runs a shell script in the pod's network namespace; returns stdout, fails unless exit 0. */
  public String run(String script) {
    ExecResult result = exec(script);
    if (!result.succeeded()) {
      throw new NodeCommandException(node.name() + "/" + name, result);
    }
    return result.stdout();
  }

  /** Removes the pod: its processes, namespace, veth pair and route. */
  public void delete() {
    if (deleted) {
      return;
    }
    deleted = true;
    node.run(teardownScript(name, vethName));
    node.forgetPod(this);
  }

  /** Deletes this pod and adds a new one with the same name and address (a restarted pod). */
  public Pod replace() {
    delete();
    return node.addPod(name, ip);
  }

  private void checkNotDeleted() {
    if (deleted) {
      throw new IllegalStateException("pod " + name + " on node " + node.name() + " is deleted");
    }
  }

  /**
   * Sets a pod up with few processes (each costs ~100 ms in UML): one {@code ip -batch} on the
   * node, one in the pod, the two server processes (httpd; perl for UDP and SCTP), then a wait
   * until all listen. Duplicate address detection is off on both ends of the veth (the node's
   * default, and the pod's eth0 before it goes up), and the addresses are added {@code nodad}: no
   * address is ever "tentative", so the first IPv6 packets do not fail.
   */
  private static String setupScript(
      String name, String ip, String ip6, String veth, String gateway) {
    return """
        set -e
        P=%1$s; V=%2$s; IP=%3$s; GW=%4$s; IP6=%10$s; GW6=%11$s; D=/run/pods/$P
        ip -batch - <<EOF
        netns add $P
        link add $V type veth peer name eth0 netns $P
        link set $V up
        route add $IP/32 dev $V
        addr add $GW6/64 dev $V nodad
        route add $IP6/128 dev $V
        EOF
        mkdir -p $D/www/cgi-bin
        printf %%s $P > $D/www/index.html
        # httpd, listening on IPv6 too, writes an IPv4 client as [::ffff:a.b.c.d], an IPv6 one
        # with or without brackets: the body is the plain address either way.
        cat > $D/www%9$s <<'CGI'
        #!/bin/sh
        a=${REMOTE_ADDR#[}; a=${a%%]}; a=${a#::ffff:}
        printf 'Content-Type: text/plain\r\n\r\n%%s' "$a"
        CGI
        chmod +x $D/www%9$s
        cat > $D/start.sh <<'EOF'
        set -e
        P=$1; IP=$2; GW=$3; D=$4; IP6=$5; GW6=$6
        echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad
        printf '%%s\\n' 'link set lo up' 'link set eth0 up' "addr add $IP/32 dev eth0" \\
          "addr add $IP6/128 dev eth0 nodad" \\
          "route add $GW dev eth0 scope link" "route add default via $GW dev eth0" \\
          "route add ::/0 via $GW6 dev eth0" | ip -batch -
        setsid busybox httpd -f -p %5$d -h $D/www </dev/null >$D/httpd.log 2>&1 &
        # One process answers UDP and SCTP (one-to-one style), each on both families: every
        # datagram and every accepted association gets the pod's name.
        setsid perl -MSocket=:all -MIO::Socket::IP -MIO::Select -e '
          my $name = $ARGV[0];
          my $udp = IO::Socket::IP->new(LocalHost => "::", LocalPort => %6$d, Proto => "udp",
              V6Only => 0) or die "udp: $@";
          my $sel = IO::Select->new($udp);
          my $sctp;
          if (socket($sctp, AF_INET6, SOCK_STREAM, 132)) {
            setsockopt($sctp, IPPROTO_IPV6, IPV6_V6ONLY, 0) or die "sctp v6only: $!";
            setsockopt($sctp, SOL_SOCKET, SO_REUSEADDR, 1) or die "sctp reuse: $!";
            bind($sctp, pack_sockaddr_in6(%12$d, inet_pton(AF_INET6, "::"))) or die "sctp bind: $!";
            listen($sctp, 64) or die "sctp listen: $!";
            $sel->add($sctp);
          } else {
            warn "no SCTP: $!";
            undef $sctp;
          }
          while (1) {
            for my $r ($sel->can_read) {
              if ($r == $udp) {
                my $peer = $udp->recv(my $m, 65535);
                $udp->send($name, 0, $peer) if defined $peer;
              } elsif (accept(my $c, $sctp)) {
                syswrite($c, $name);
                close $c;
              }
            }
          }' $P </dev/null >$D/udp.log 2>&1 &
        # Until this namespace has a TCP socket listening (state 0A), a UDP socket bound and,
        # where the node has SCTP, an SCTP endpoint.
        i=0
        until grep -qs ':%7$s 0\\+:0000 0A' /proc/net/tcp /proc/net/tcp6 \\
            && grep -qs ':%8$s ' /proc/net/udp /proc/net/udp6 \\
            && { [ ! -e /proc/net/sctp/eps ] || grep -qs ' %12$d ' /proc/net/sctp/eps; }; do
          i=$((i+1))
          if [ $i -gt 200 ]; then
            echo "servers of pod $P did not start listening" >&2
            cat $D/httpd.log $D/udp.log >&2
            exit 1
          fi
          sleep 0.05
        done
        EOF
        ip netns exec $P sh $D/start.sh $P $IP $GW $D $IP6 $GW6
        """
        .formatted(
            name,
            veth,
            ip,
            gateway,
            HTTP_PORT,
            UDP_PORT,
            "%04X".formatted(HTTP_PORT),
            "%04X".formatted(UDP_PORT),
            CLIENT_ADDRESS_PATH,
            ip6,
            PodAddressing.LINK_GATEWAY6,
            SCTP_PORT);
  }

  private static String teardownScript(String name, String veth) {
    return """
        P=%1$s; V=%2$s
        for pid in $(ip netns pids $P 2>/dev/null); do kill -9 $pid; done
        ip link del $V 2>/dev/null
        ip netns del $P 2>/dev/null
        rm -rf /run/pods/$P
        true
        """
        .formatted(name, veth);
  }

  @Override
  public String toString() {
    return "pod " + name + " (" + ip + ") on node " + node.name();
  }
}
