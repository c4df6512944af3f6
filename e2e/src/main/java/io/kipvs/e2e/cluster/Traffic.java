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

  /** Sends {@code count} UDP datagrams, one per socket, and counts the answers. */
  public Map<String, Integer> udp(String host, int port, int count) {
    String script =
        """
        i=0
        while [ $i -lt %3$d ]; do
          body=$(echo q | timeout 2 busybox nc -u -w 1 %1$s %2$d) ; [ -n "$body" ] || body="!none"
          echo "$body"
          i=$((i+1))
        done
        """
            .formatted(host, port, count);
    return tally(run(script));
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
