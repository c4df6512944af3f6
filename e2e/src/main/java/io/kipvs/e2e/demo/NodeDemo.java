package io.kipvs.e2e.demo;

import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.Pod;
import io.kipvs.e2e.testbed.Testbed;
import java.util.Map;
import java.util.TreeMap;

/**
 * The interim main job ({@code ./kipvs demo}): boots one UML node, adds two pods, balances a
 * virtual server over them with {@code ipvsadm} and shows which pod answered how many requests.
 *
 * <p>Usage: {@code NodeDemo [requests]} (default 12).
 */
public final class NodeDemo {
  private static final String VIRTUAL_IP = "10.96.0.10";

  private NodeDemo() {}

  public static void main(String[] args) {
    int requests = parseRequests(args);
    long start = System.nanoTime();
    Testbed testbed = Testbed.create();
    try {
      boolean allAnswered = run(testbed, requests, start);
      testbed.close();
      say("done in %.1f s; no node process is left", seconds(start));
      if (!allAnswered) {
        System.err.println("demo: some requests failed");
        System.exit(1);
      }
    } catch (RuntimeException e) {
      if (testbed.isClosed()) {
        // Ctrl-C: the testbed's shutdown hook ended the node under our feet.
        System.err.println("demo: interrupted; the node is stopped");
      } else {
        testbed.close();
        System.err.println("demo: failed: " + e);
      }
      System.exit(1);
    }
  }

  private static boolean run(Testbed testbed, int requests, long start) {
    say("booting a user-mode-linux node (a real Linux kernel with IPVS) ...");
    Node node = testbed.startNode("demo1");
    say("node %s is up after %.1f s", node.name(), seconds(start));

    Pod a = node.addPod("pod-a");
    Pod b = node.addPod("pod-b");
    say(
        "pods: %s at %s, %s at %s (each answers HTTP on :%d with its name)",
        a.name(), a.ip(), b.name(), b.ip(), Pod.HTTP_PORT);

    node.run(
        """
          ip link add kube-ipvs0 type dummy
          ip addr add %1$s/32 dev kube-ipvs0
          ipvsadm -A -t %1$s:80 -s rr
          ipvsadm -a -t %1$s:80 -r %2$s:%4$d -m
          ipvsadm -a -t %1$s:80 -r %3$s:%4$d -m
          """
            .formatted(VIRTUAL_IP, a.ip(), b.ip(), Pod.HTTP_PORT));
    say("virtual server %s:80 (round robin, NAT) - ipvsadm -Ln in the node:", VIRTUAL_IP);
    System.out.print(node.run("ipvsadm -Ln").indent(4));

    String answers =
        node.run(
            "for i in $(seq %d); do curl -s --max-time 5 http://%s/ || printf FAILED; echo; done"
                .formatted(requests, VIRTUAL_IP));
    Map<String, Integer> counts = new TreeMap<>();
    answers.lines().forEach(pod -> counts.merge(pod, 1, Integer::sum));
    say("%d requests to http://%s/ were answered by:", requests, VIRTUAL_IP);
    counts.forEach((pod, n) -> System.out.printf("    %-8s %d%n", pod, n));

    say("tearing down ...");
    return !counts.containsKey("FAILED");
  }

  private static int parseRequests(String[] args) {
    if (args.length == 0) {
      return 12;
    }
    try {
      int n = Integer.parseInt(args[0]);
      if (n < 1 || n > 10_000) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      System.err.println("demo: the number of requests must be 1..10000, not '" + args[0] + "'");
      System.exit(2);
      throw new AssertionError(e);
    }
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static void say(String format, Object... args) {
    System.out.println("demo: " + format.formatted(args));
  }
}
