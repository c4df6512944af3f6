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
   * answers by body; a failed request counts under "!exit=N".
   */
  public Map<String, Integer> http(String host, int port, int count) {
    String script =
        """
        i=0
        while [ $i -lt %3$d ]; do
          body=$(curl -s --max-time 3 http://%1$s:%2$d/) || body="!exit=$?"
          echo "$body"
          i=$((i+1))
        done
        """
            .formatted(host, port, count);
    return tally(run(script));
  }

  /**
   * Sends {@code count} UDP queries, each from a fresh socket (or from {@code sourcePort} when it
   * is not 0), and counts the answers; an unanswered query counts under "!none".
   */
  public Map<String, Integer> udp(String host, int port, int count, int sourcePort) {
    // busybox-static has no UDP nc; perl-base is on every Debian system.
    String script =
        """
        perl -MIO::Socket::INET -e '
          my ($host, $port, $count, $sport) = @ARGV;
          for (1 .. $count) {
            my %%opts = (PeerAddr => $host, PeerPort => $port, Proto => "udp");
            if ($sport) { $opts{LocalPort} = $sport; $opts{ReuseAddr} = 1; }
            my $s = IO::Socket::INET->new(%%opts) or die "socket: $!";
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
