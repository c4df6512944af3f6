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
 * {@code ./kipvs demo}: a two-node sandbox with the mock API server holding a sample application (a
 * web and a database Service with their pods), kipvs on each node as the DaemonSet runs it, the
 * IPVS table of each node, and who answered how many requests. Everything is torn down at the end,
 * and on Ctrl-C by the test bed's shutdown hook.
 */
public final class ClusterDemo {
  private static final int REQUESTS = 12;

  private ClusterDemo() {}

  public static void main(String[] args) {
    long start = System.nanoTime();
    try (Testbed testbed = Testbed.create();
        ApiServer api = ApiServer.start()) {
      say("API server (fabric8 mock, CRUD mode) on 127.0.0.1:" + api.port());
      say("booting two nodes (user-mode Linux with IPVS)...");
      List<Node> nodes = testbed.startCluster(2, NodeOptions.named("node").withHostLink());
      Node node1 = nodes.get(0);
      Node node2 = nodes.get(1);

      Workloads k8s = new Workloads(api::client);
      nodes.forEach(n -> k8s.node(n, "zone-a"));
      Pod web1 = node1.addPod("web-1");
      Pod web2 = node2.addPod("web-2");
      Pod db1 = node2.addPod("db-1");
      k8s.clusterIpService("web", "10.96.0.80", 80);
      k8s.httpEndpoints("web", List.of(web1, web2));
      k8s.clusterIpService("db", "10.96.0.54", 5432);
      k8s.httpEndpoints("db", List.of(db1));
      say(
          "sample application: service web 10.96.0.80:80 -> web-1, web-2; db 10.96.0.54:5432 -> db-1");

      say("starting kipvs on each node (--mode=ipvs --ipvs-scheduler=rr)...");
      List<CompletableFuture<KipvsDaemon>> daemons =
          nodes.stream()
              .map(
                  n ->
                      CompletableFuture.supplyAsync(
                          () -> {
                            KipvsDaemon d =
                                KipvsDaemon.start(
                                    n,
                                    KipvsDaemon.daemonSetArgs(
                                        n, api, "--cluster-cidr=10.244.0.0/16"));
                            d.awaitHealthy(Duration.ofSeconds(120));
                            return d;
                          }))
              .toList();
      daemons.forEach(CompletableFuture::join);

      for (Node n : nodes) {
        say("ipvsadm -Ln on " + n.name() + ":");
        System.out.println(n.run("ipvsadm -Ln"));
      }

      table("web from " + node1.name(), new Traffic(node1::exec).http("10.96.0.80", 80, REQUESTS));
      table("db from pod web-1", new Traffic(web1::exec).http("10.96.0.54", 5432, REQUESTS));
      table("db from pod web-2", new Traffic(web2::exec).http("10.96.0.54", 5432, REQUESTS));
      say("tearing down...");
    }
    say("done in " + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s");
  }

  private static void table(String title, Map<String, Integer> answers) {
    System.out.printf("%n%-28s %8s%n", title, "answers");
    answers.forEach((pod, count) -> System.out.printf("  %-26s %5d/%d%n", pod, count, REQUESTS));
    System.out.println();
  }

  private static void say(String line) {
    System.out.println("[demo] " + line);
  }
}
