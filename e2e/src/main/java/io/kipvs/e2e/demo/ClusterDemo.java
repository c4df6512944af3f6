package io.kipvs.e2e.demo;

import io.kipvs.e2e.cluster.ApiServer;
import io.kipvs.e2e.cluster.KipvsDaemon;
import io.kipvs.e2e.cluster.Traffic;
import io.kipvs.e2e.cluster.Workloads;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.Pod;
import io.kipvs.e2e.testbed.Testbed;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code ./kipvs demo [requests]}: a two-node sandbox with the mock API server holding a sample
 * application (a web and a database Service with their pods), kipvs on each node started as the
 * DaemonSet starts it, the IPVS table of each node, and which pod answered how many requests.
 * Everything is torn down at the end, and on Ctrl-C by the test bed's shutdown hook.
 */
public final class ClusterDemo {
  private ClusterDemo() {}

  public static void main(String[] args) {
    int requests = parseRequests(args);
    long start = System.nanoTime();
    Testbed testbed = Testbed.create();
    try (ApiServer api = ApiServer.start()) {
      boolean allAnswered = run(testbed, api, requests, start);
      testbed.close();
      say("done in %.1f s; no node process is left", seconds(start));
      if (!allAnswered) {
        System.err.println("demo: some requests failed");
        System.exit(1);
      }
    } catch (RuntimeException e) {
      if (testbed.isClosed()) {
        // Ctrl-C: the test bed's shutdown hook ended the nodes under our feet.
        System.err.println("demo: interrupted; the nodes are stopped");
      } else {
        testbed.close();
        System.err.println("demo: failed: " + e);
      }
      System.exit(1);
    }
  }

  private static boolean run(Testbed testbed, ApiServer api, int requests, long start) {
    say("API server: fabric8's mock server (CRUD mode) on 127.0.0.1:%d", api.port());
    say("booting two user-mode-linux nodes (real Linux kernels with IPVS) ...");
    List<Node> nodes = testbed.startCluster(2, NodeOptions.named("node").withHostLink());
    Node node1 = nodes.get(0);
    Node node2 = nodes.get(1);
    say("nodes up after %.1f s", seconds(start));

    Workloads k8s = new Workloads(api::client);
    nodes.forEach(n -> k8s.node(n, "zone-a"));
    Pod web1 = node1.addPod("web-1");
    Pod web2 = node2.addPod("web-2");
    Pod db1 = node2.addPod("db-1");
    k8s.clusterIpService("web", "10.96.0.80", 80);
    k8s.httpEndpoints("web", List.of(web1, web2));
    k8s.clusterIpService("db", "10.96.0.54", 5432);
    k8s.httpEndpoints("db", List.of(db1));
    say("sample application: Service web 10.96.0.80:80 -> pods web-1 (node1), web-2 (node2)");
    say("                    Service db 10.96.0.54:5432 -> pod db-1 (node2)");

    say("starting kipvs on each node: --mode=ipvs --ipvs-scheduler=rr ...");
    List<CompletableFuture<KipvsDaemon>> daemons =
        nodes.stream()
            .map(
                n ->
                    CompletableFuture.supplyAsync(
                        () -> {
                          KipvsDaemon daemon =
                              KipvsDaemon.start(
                                  n,
                                  KipvsDaemon.daemonSetArgs(
                                      n, api, "--cluster-cidr=10.244.0.0/16"));
                          daemon.awaitHealthy(Duration.ofSeconds(120));
                          return daemon;
                        }))
            .toList();
    daemons.forEach(CompletableFuture::join);
    say("kipvs healthy on both nodes after %.1f s", seconds(start));

    for (Node n : nodes) {
      say("ipvsadm -Ln on %s:", n.name());
      System.out.print(n.run("ipvsadm -Ln").indent(4));
    }

    boolean allAnswered = true;
    allAnswered &=
        table(
            requests,
            "http://10.96.0.80/ from node1",
            new Traffic(node1::exec).http("10.96.0.80", 80, requests));
    allAnswered &=
        table(
            requests,
            "http://10.96.0.54:5432/ from pod web-1",
            new Traffic(web1::exec).http("10.96.0.54", 5432, requests));
    allAnswered &=
        table(
            requests,
            "http://10.96.0.54:5432/ from pod web-2",
            new Traffic(web2::exec).http("10.96.0.54", 5432, requests));
    say("tearing down ...");
    return allAnswered;
  }

  /** Prints who answered; false when some request failed. */
  private static boolean table(int requests, String title, Map<String, Integer> answers) {
    say("%d requests to %s were answered by:", requests, title);
    answers.forEach((pod, n) -> System.out.printf("    %-10s %d%n", pod, n));
    return answers.keySet().stream().noneMatch(k -> k.startsWith("!"));
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
