package io.kipvs.e2e.testbed;

import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Starts a one-node cluster with a host link (so: a node, slirp and a switch) in the folder given
 * as argument, prints its run folder and host PIDs, then waits to be killed: the JVM that a test
 * kills with SIGKILL, so that nothing can clean up but the processes themselves.
 */
public final class AbandonedTestbedMain {
  private AbandonedTestbedMain() {}

  public static void main(String[] args) throws InterruptedException {
    Testbed testbed = Testbed.create(Path.of(args[0]));
    testbed.startCluster(1, NodeOptions.named("abandoned").withHostLink());
    System.out.println("RUN " + testbed.runDir());
    System.out.println(
        "PIDS "
            + testbed.recordedHostPids().stream()
                .map(String::valueOf)
                .collect(Collectors.joining(" ")));
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
