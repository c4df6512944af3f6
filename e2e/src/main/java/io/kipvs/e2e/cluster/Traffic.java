package io.kipvs.e2e.cluster;

import io.kipvs.e2e.testbed.ExecResult;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** Sends real requests from a node or a pod and counts who answered. */
public final class Traffic {
  private final Function<String, ExecResult> shell;

  /** Traffic from wherever this shell runs (a node's or a pod's {@code exec}). */
  public Traffic(Function<String, ExecResult> shell) {
    this.shell = shell;
  }

  /**
   * Sends {@code count} HTTP requests to {@code host:port} in one shell command, and counts the
   * answers by body; a failed request counts under "!exit=N". The host may be an IPv6 address.
   */
  public Map<String, Integer> http(String host, int port, int count) {
    return httpPath(host, port, "/", count);
  }

  /** {@link #http(String, int, int)} of a path, e.g. {@code Pod.CLIENT_ADDRESS_PATH}. */
  public Map<String, Integer> httpPath(String host, int port, String path, int count) {
    String script =
        """
        i=0
        while [ $i -lt %3$d ]; do
          body=$(curl -g -s --max-time 3 'http://%1$s:%2$d%4$s') || body="!exit=$?"
          echo "$body"
          i=$((i+1))
        done
        """
            .formatted(urlHost(host), port, count, path);
    return tally(run(script));
  }

  /**
   * Sends {@code count} SCTP requests, each a fresh association to {@code host:port} (IPv4 or
   * IPv6), and counts what the server wrote before it shut the association down; a failed
   * association counts under "!none".
   */
  public Map<String, Integer> sctp(String host, int port, int count) {
    // No SCTP client is packaged on a plain Debian; perl-base's Socket opens SCTP sockets
    // (protocol 132) one-to-one style.
    String script =
        """
        perl -MSocket=:all -e '
          my ($host, $port, $count) = @ARGV;
          my $v6 = $host =~ /:/;
          my $addr = $v6 ? pack_sockaddr_in6($port, inet_pton(AF_INET6, $host))
                         : pack_sockaddr_in($port, inet_aton($host));
          for (1 .. $count) {
            my $answer = "!none";
            eval {
              local $SIG{ALRM} = sub { die "timeout\n" };
              alarm 3;
              socket(my $s, $v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 132) or die "socket: $!\n";
              connect($s, $addr) or die "connect: $!\n";
              my $m = "";
              while (sysread($s, my $buf, 4096)) { $m .= $buf }
              alarm 0;
              close $s;
              $answer = $m if length $m;
            };
            print "$answer\n";
          }' %1$s %2$d %3$d
        """
            .formatted(host, port, count);
    return tally(run(script));
  }

  /** A host as it goes into a URL: an IPv6 address in brackets. */
  static String urlHost(String host) {
    return host.contains(":") ? "[" + host + "]" : host;
  }

  /**
   * Sends {@code count} UDP queries to an IPv4 or IPv6 host, each from a fresh socket (or from
   * {@code sourcePort} when it is not 0), and counts the answers; an unanswered query counts under
   * "!none".
   */
  public Map<String, Integer> udp(String host, int port, int count, int sourcePort) {
    // busybox-static has no UDP nc; perl-base is on every Debian system.
    String script =
        """
        perl -MIO::Socket::IP -e '
          my ($host, $port, $count, $sport) = @ARGV;
          for (1 .. $count) {
            my %%opts = (PeerHost => $host, PeerPort => $port, Proto => "udp");
            if ($sport) { $opts{LocalPort} = $sport; $opts{ReuseAddr} = 1; }
            my $s = IO::Socket::IP->new(%%opts) or die "socket: $@";
            $s->send("q");
            my $answer = "!none";
            eval {
              local $SIG{ALRM} = sub { die "timeout\n" };
              alarm 2;
              $s->recv(my $m, 65535);
              alarm 0;
              $answer = $m if length $m;
            };
            print "$answer\n";
            close $s;
          }' %1$s %2$d %3$d %4$d
        """
            .formatted(host, port, count, sourcePort);
    return tally(run(script));
  }

  /** {@link #udp(String, int, int, int)} from fresh sockets. */
  public Map<String, Integer> udp(String host, int port, int count) {
    return udp(host, port, count, 0);
  }

  private String run(String script) {
    ExecResult result = shell.apply(script);
    if (!result.succeeded()) {
      throw new AssertionError("traffic script failed: " + result);
    }
    return result.stdout();
  }

  private static Map<String, Integer> tally(String output) {
    Map<String, Integer> answers = new TreeMap<>();
    output.lines().map(String::strip).forEach(l -> answers.merge(l, 1, Integer::sum));
    return answers;
  }
}
