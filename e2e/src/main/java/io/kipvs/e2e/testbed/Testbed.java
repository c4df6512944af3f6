package io.kipvs.e2e.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Owns a set of UML nodes, the switches between them and a fresh run folder for their files, and
 * ends all of them on {@link #close()} (or, as a last resort, when the JVM shuts down).
 *
 * <pre>{@code
 * try (Testbed testbed = Testbed.create()) {
 *   Node node = testbed.startNode("n1");
 *   Pod a = node.addPod("a");
 *   System.out.println(node.run("curl -s http://" + a.ip() + ":8080/"));   // prints "a"
 * }
 * }</pre>
 */
public final class Testbed implements AutoCloseable {
  /** System property: the folder under which each testbed makes its own run folder. */
  public static final String BASE_DIR_PROPERTY = "kipvs.testbed.dir";

  /** System property: "true" keeps run folders (console logs, node output) after close. */
  public static final String KEEP_PROPERTY = "kipvs.testbed.keep";

  private static final Path LINUX_UML = Path.of("/usr/bin/linux.uml");

  private final RunDirectory run;
  private final KernelModules modules;
  private final AtomicInteger nodeIndexes = new AtomicInteger();
  private final AtomicInteger switchCounter = new AtomicInteger();
  private final List<Node> nodes = new CopyOnWriteArrayList<>();
  private final List<UmlSwitch> switches = new CopyOnWriteArrayList<>();
  private final Set<Long> recordedPids = Collections.synchronizedSet(new LinkedHashSet<>());
  private final Thread shutdownHook;
  private volatile boolean closed;

  private Testbed(RunDirectory run, KernelModules modules) {
    this.run = run;
    this.modules = modules;
    this.shutdownHook = new Thread(this::stopOnShutdown, "testbed-shutdown-" + run.path());
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * A testbed with its run folder under the system property {@value #BASE_DIR_PROPERTY}, or else
   * under {@code target/testbed} of the working directory (the module folder in Maven runs).
   */
  public static Testbed create() {
    String base = System.getProperty(BASE_DIR_PROPERTY);
    return create(base != null ? Path.of(base) : Path.of("target", "testbed"));
  }

  /**
   * A testbed with a fresh run folder under {@code baseDir}. The folder must not be under /tmp (a
   * node mounts its own /tmp over it); run folders of dead JVMs there are removed.
   */
  public static Testbed create(Path baseDir) {
    if (!Files.isExecutable(LINUX_UML)) {
      throw new NodeFailedException(
          LINUX_UML + " is missing: install the Debian package user-mode-linux");
    }
    return new Testbed(
        RunDirectory.create(baseDir.toAbsolutePath().normalize()), KernelModules.installed());
  }

  /** This testbed's own folder: one sub-folder per node, switch sockets, UML state. */
  public Path runDir() {
    return run.path();
  }

  /** Boots a node with {@link NodeOptions#named} defaults: IPVS loaded, no host link. */
  public Node startNode(String name) {
    return startNode(NodeOptions.named(name));
  }

  public Node startNode(NodeOptions options) {
    return boot(options, nodeIndexes.incrementAndGet(), Optional.empty());
  }

  /**
   * Boots {@code count} nodes (in parallel) named {@code options.name() + "1"}, ... on a new
   * switch, each with its pod CIDR, an address on the switch and routes to the other nodes' pod
   * CIDRs.
   */
  public List<Node> startCluster(int count, NodeOptions options) {
    if (count < 1) {
      throw new IllegalArgumentException("a cluster needs at least one node, not " + count);
    }
    checkOpen();
    UmlSwitch umlSwitch =
        UmlSwitch.start(
            run.path().resolve("switch" + switchCounter.incrementAndGet() + ".ctl"),
            run.path().resolve("switch" + switchCounter.get() + ".log"));
    switches.add(umlSwitch);
    recordedPids.addAll(umlSwitch.hostPids());
    // Indexes in name order, so that node "x1" has the first pod CIDR and switch address.
    int firstIndex = nodeIndexes.getAndAdd(count) + 1;
    List<CompletableFuture<Node>> booting =
        IntStream.rangeClosed(1, count)
            .mapToObj(
                i ->
                    CompletableFuture.supplyAsync(
                        () ->
                            boot(
                                options.withName(options.name() + i),
                                firstIndex + i - 1,
                                Optional.of(umlSwitch))))
            .toList();
    List<Node> cluster = new ArrayList<>();
    RuntimeException failure = null;
    for (CompletableFuture<Node> future : booting) {
      try {
        cluster.add(future.join());
      } catch (CompletionException e) {
        failure = e.getCause() instanceof RuntimeException r ? r : e;
      }
    }
    if (failure != null) {
      throw failure;
    }
    for (Node node : cluster) {
      StringBuilder routes = new StringBuilder();
      for (Node other : cluster) {
        if (other != node) {
          routes
              .append("ip route add ")
              .append(other.podCidr())
              .append(" via ")
              .append(other.switchAddress().orElseThrow())
              .append('\n')
              .append("ip -6 route add ")
              .append(other.podCidr6())
              .append(" via ")
              .append(other.switchAddress6().orElseThrow())
              .append('\n');
        }
      }
      if (routes.length() > 0) {
        node.run(routes.toString());
      }
    }
    return List.copyOf(cluster);
  }

  /** The nodes started so far (running or stopped). */
  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  /**
   * Every host PID the testbed ever saw belong to it: node process trees (with slirp), switches and
   * their shells. After {@link #close()} none of them is alive.
   */
  public Set<Long> recordedHostPids() {
    nodes.forEach(Node::hostPids);
    switches.forEach(s -> recordedPids.addAll(s.hostPids()));
    synchronized (recordedPids) {
      return Set.copyOf(recordedPids);
    }
  }

  /** Whether {@link #close()} or the JVM's shutdown has stopped this testbed. */
  public boolean isClosed() {
    return closed;
  }

  /** {@link Node#diagnostics()} of every node. */
  public String diagnostics() {
    StringBuilder text = new StringBuilder();
    nodes.forEach(n -> text.append(n.diagnostics()));
    return text.toString();
  }

  /**
   * Stops every node and switch, checks that none of their host processes survived, and removes the
   * run folder (unless {@value #KEEP_PROPERTY} is true).
   *
   * @throws IllegalStateException naming the processes that are still alive
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    stopEverything();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
    List<Long> survivors = HostProcesses.alive(recordedHostPids());
    if (!Boolean.getBoolean(KEEP_PROPERTY)) {
      run.delete();
    }
    if (!survivors.isEmpty()) {
      throw new IllegalStateException(
          "testbed processes survived close: " + HostProcesses.describe(survivors));
    }
  }

  /** Last resort when the JVM ends (Ctrl-C, System.exit) without {@link #close()}. */
  private void stopOnShutdown() {
    stopEverything();
    if (!Boolean.getBoolean(KEEP_PROPERTY)) {
      run.deleteQuietly();
    }
  }

  private synchronized void stopEverything() {
    closed = true;
    for (Node node : nodes) {
      recordedPids.addAll(node.hostPids());
      node.stop();
      recordedPids.addAll(node.hostPids());
    }
    for (UmlSwitch umlSwitch : switches) {
      recordedPids.addAll(umlSwitch.stop());
    }
  }

  private Node boot(NodeOptions options, int index, Optional<UmlSwitch> umlSwitch) {
    checkOpen();
    if (index > 254) {
      throw new IllegalStateException("a testbed has room for 254 nodes, not " + index);
    }
    Path dir = run.newNodeDir(options.name());
    Path outputDir = dir.resolve("out");
    Optional<String> switchAddress = umlSwitch.map(s -> PodAddressing.switchAddress(index));
    try {
      Files.createDirectories(outputDir.resolve("cmd"));
      Path init = dir.resolve("init.sh");
      Files.writeString(
          init,
          InitScript.render(
              options.name(),
              outputDir,
              modules.toLoad(options.ipvs()),
              options.hostLink(),
              switchAddress,
              umlSwitch.map(s -> PodAddressing.switchAddress6(index)),
              PodAddressing.gateway(index),
              PodAddressing.gateway6(index)));
      Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rwxr-xr-x"));
      List<String> command = new ArrayList<>();
      // Its own process group, so that stopping it reaches every process it forked.
      command.add("setsid");
      command.add(LINUX_UML.toString());
      command.add("mem=" + options.memory());
      command.add("rootfstype=hostfs");
      command.add("rootflags=/");
      command.add("ro");
      command.add("init=" + init);
      command.add("con0=fd:0,fd:1");
      command.add("con=null");
      command.add("quiet");
      command.add("uml_dir=" + run.umlDir());
      command.add("umid=" + options.name());
      if (options.hostLink()) {
        command.add("eth0=slirp,,/usr/bin/slirp-fullbolt");
      }
      umlSwitch.ifPresent(s -> command.add("eth1=daemon,,unix," + s.socket()));
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      NodeConsole console =
          new NodeConsole(
              options.name(), process, outputDir.resolve("cmd"), dir.resolve("console.log"));
      Node node =
          new Node(
              options,
              index,
              switchAddress,
              dir,
              outputDir,
              process,
              console,
              recordedPids::addAll);
      nodes.add(node);
      console.awaitReady(options.bootTimeout());
      node.hostPids();
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare node " + options.name() + " in " + dir, e);
    } catch (RuntimeException e) {
      nodes.stream().filter(n -> n.name().equals(options.name())).forEach(Node::stop);
      throw e;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("testbed " + run.path() + " is closed");
    }
  }
}
