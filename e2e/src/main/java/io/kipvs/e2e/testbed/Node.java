package io.kipvs.e2e.testbed;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A running user-mode-linux node: a real Linux kernel (with IPVS unless booted without) whose root
 * is the host's file system, read-only. Commands run as root inside it; its folder {@code /run/out}
 * is {@link #outputDir()} on the host. Made by {@link Testbed}; thread-safe.
 */
public final class Node {
  /** Default deadline of {@link #exec(String)} and {@link #run(String)}. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  /** The node's writable folder, as seen inside the node. */
  public static final String OUTPUT_DIR_IN_NODE = "/run/out";

  private final NodeOptions options;
  private final int index;
  private final Optional<String> switchAddress;
  private final Path dir;
  private final Path outputDir;
  private final Process process;
  private final NodeConsole console;
  private final Consumer<Set<Long>> pidRecorder;
  private final Set<Long> pids = Collections.synchronizedSet(new LinkedHashSet<>());
  private final Map<String, Pod> pods = Collections.synchronizedMap(new LinkedHashMap<>());
  private final AtomicInteger vethCounter = new AtomicInteger();
  private final AtomicInteger javaCounter = new AtomicInteger();
  private volatile boolean stopped;

  Node(
      NodeOptions options,
      int index,
      Optional<String> switchAddress,
      Path dir,
      Path outputDir,
      Process process,
      NodeConsole console,
      Consumer<Set<Long>> pidRecorder) {
    this.options = options;
    this.index = index;
    this.switchAddress = switchAddress;
    this.dir = dir;
    this.outputDir = outputDir;
    this.process = process;
    this.console = console;
    this.pidRecorder = pidRecorder;
    recordPids();
  }

  public String name() {
    return options.name();
  }

  public NodeOptions options() {
    return options;
  }

  /** This node's number in its testbed (1, 2, ...): it picks the pod CIDR and switch address. */
  public int index() {
    return index;
  }

  /** The pods of this node get addresses from this /24, e.g. 10.244.1.0/24. */
  public String podCidr() {
    return PodAddressing.cidr(index);
  }

  /** The node's own address in its pod CIDR (on lo): the pods' default gateway. */
  public String podGateway() {
    return PodAddressing.gateway(index);
  }

  /** The node's address on its switch (eth1), without prefix, when it has one. */
  public Optional<String> switchAddress() {
    return switchAddress.map(a -> a.substring(0, a.indexOf('/')));
  }

  /** The node's IPv6 address on its switch (eth1), e.g. fd00:50::1, when it has one. */
  public Optional<String> switchAddress6() {
    return switchAddress.map(a -> PodAddressing.switchAddress6(index)).map(a -> a.split("/")[0]);
  }

  /** The IPv6 pod CIDR of this node, e.g. fd00:244:1::/64: pods' IPv6 addresses come from it. */
  public String podCidr6() {
    return PodAddressing.cidr6(index);
  }

  /** The node's own IPv6 address in its pod CIDR (on lo), e.g. fd00:244:1::1. */
  public String podGateway6() {
    return PodAddressing.gateway6(index);
  }

  /** The host folder the node sees, writable, at {@link #OUTPUT_DIR_IN_NODE}. */
  public Path outputDir() {
    return outputDir;
  }

  /** Everything the node printed on its console (kernel messages, boot failures). */
  public Path consoleLog() {
    return dir.resolve("console.log");
  }

  /** The host PID of this node's kernel process (the root of its host process tree). */
  public long hostPid() {
    return process.pid();
  }

  /** Every host PID seen in this node's process tree so far (kernel, helpers, slirp). */
  public Set<Long> hostPids() {
    recordPids();
    synchronized (pids) {
      return Set.copyOf(pids);
    }
  }

  public boolean isRunning() {
    return !stopped && process.isAlive();
  }

  /** Runs a shell script ({@code /bin/sh}) as root in the node, with {@link #DEFAULT_TIMEOUT}. */
  public ExecResult exec(String script) {
    return exec(script, DEFAULT_TIMEOUT);
  }

  /**
   * Runs a shell script as root in the node; stdin is /dev/null, the working folder is /.
   *
   * @throws NodeTimeoutException if it runs longer than the timeout (the node kills it)
   */
  public ExecResult exec(String script, Duration timeout) {
    checkRunning();
    recordPids();
    return console.exec(script, timeout);
  }

  /** Runs a shell script and returns its standard output; fails unless it exits 0. */
  public String run(String script) {
    return run(script, DEFAULT_TIMEOUT);
  }

  /** Runs a shell script and returns its standard output; fails unless it exits 0. */
  public String run(String script, Duration timeout) {
    ExecResult result = exec(script, timeout);
    if (!result.succeeded()) {
      throw new NodeCommandException(name(), result);
    }
    return result.stdout();
  }

  /**
   * Starts {@code java mainClass args} in the background inside the node, with this JVM's class
   * path and {@code java} binary, output to a log in the node's output folder.
   */
  public JavaProcess startJava(String mainClass, String... args) {
    return startJava(List.of(), mainClass, List.of(args));
  }

  /**
   * Starts {@code java jvmOptions mainClass args} in the background inside the node, with this
   * JVM's class path ({@code java.class.path}) and {@code java} binary ({@code java.home}).
   */
  public JavaProcess startJava(List<String> jvmOptions, String mainClass, List<String> args) {
    return startJava(jvmOptions, System.getProperty("java.class.path"), mainClass, args);
  }

  /**
   * Starts {@code java jvmOptions -cp classPath mainClass args} in the background inside the node,
   * with this JVM's {@code java} binary ({@code java.home}); the class path's entries must be host
   * paths (the node reads the host's file system).
   */
  public JavaProcess startJava(
      List<String> jvmOptions, String classPath, String mainClass, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // The caller's choice of collector replaces the kit's (the JVM refuses two).
    boolean ownCollector = jvmOptions.stream().anyMatch(o -> o.matches("-XX:\\+Use\\w+GC"));
    JavaProcess.FAST_START_OPTIONS.stream()
        .filter(o -> !(ownCollector && o.matches("-XX:\\+Use\\w+GC")))
        .forEach(command::add);
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classPath);
    command.add(mainClass);
    command.addAll(args);
    String id = "java-" + javaCounter.incrementAndGet();
    return JavaProcess.start(this, id, mainClass, command);
  }

  /**
   * Starts {@code command} in the background inside the node, a command that ends up as a JVM by
   * exec (a launcher script such as the image's entry script, possibly behind {@code env
   * NAME=value}): its PID is the JVM's. {@code mainClass} names it in messages only.
   */
  public JavaProcess startJavaCommand(String mainClass, List<String> command) {
    String id = "java-" + javaCounter.incrementAndGet();
    return JavaProcess.start(this, id, mainClass, command);
  }

  /** Adds a pod with the next free address of this node's pod CIDR. */
  public Pod addPod(String name) {
    return addPod(name, PodAddressing.address(index, nextFreeHost()));
  }

  /**
   * Adds a pod with the given address (normally one of {@link #podCidr()}) and the IPv6 address
   * paired with it in {@link #podCidr6()} (same last number).
   */
  public Pod addPod(String name, String ip) {
    checkRunning();
    synchronized (pods) {
      if (pods.containsKey(name)) {
        throw new IllegalArgumentException(
            "node " + name() + " has a pod named " + name + " already");
      }
      if (pods.values().stream().anyMatch(p -> p.ip().equals(ip))) {
        throw new IllegalArgumentException(
            "node " + name() + " has a pod with IP " + ip + " already");
      }
    }
    Pod pod =
        Pod.create(
            this,
            name,
            ip,
            PodAddressing.address6For(index, ip),
            "kv" + vethCounter.incrementAndGet());
    pods.put(name, pod);
    return pod;
  }

  /** The pods of this node, in the order they were added. */
  public List<Pod> pods() {
    synchronized (pods) {
      return List.copyOf(pods.values());
    }
  }

  public Optional<Pod> pod(String name) {
    return Optional.ofNullable(pods.get(name));
  }

  void forgetPod(Pod pod) {
    pods.remove(pod.name(), pod);
  }

  /**
   * The node's console tail and, while it runs, {@code ipvsadm -Ln}, {@code ip addr}, {@code ip
   * route}: what to look at when a test on this node failed.
   */
  public String diagnostics() {
    StringBuilder text = new StringBuilder();
    text.append("===== node ").append(name()).append(" =====\n");
    if (isRunning()) {
      String script =
          "for c in 'ipvsadm -Ln' 'ip addr' 'ip route' 'ip netns list'; do"
              + " echo \"--- $c\"; $c 2>&1; done";
      try {
        text.append(console.exec(script, Duration.ofSeconds(20)).stdout());
      } catch (RuntimeException e) {
        text.append("(cannot query the node: ").append(e.getMessage()).append(")\n");
      }
    } else {
      text.append("(node is not running)\n");
    }
    text.append("--- console (last lines)\n").append(console.tail()).append('\n');
    return text.toString();
  }

  /**
   * Adds network namespace {@code name} with its loopback up and a default route through a dummy
   * link. A bare namespace has neither, and the kernel then refuses masquerading IPVS real servers
   * in it ("address not unicast").
   */
  public void addRoutedNamespace(String name) {
    run(
        """
        ip netns add %1$s
        ip -n %1$s link set lo up
        ip -n %1$s link add ns-route0 type dummy
        ip -n %1$s addr add 10.127.0.1/32 dev ns-route0
        ip -n %1$s link set ns-route0 up
        ip -n %1$s route add default dev ns-route0
        """
            .formatted(name));
  }

  /** Ends the node: all of its host processes, by PID and process group. Idempotent. */
  public void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    recordPids();
    // Killing is faster and surer than a clean halt; hostfs writes are synchronous anyway.
    Set<Long> ended = HostProcesses.killGroupAndTree(process.toHandle(), Duration.ofSeconds(20));
    record(ended);
    console.requestHalt();
    try {
      console.awaitReaderEnd(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private int nextFreeHost() {
    synchronized (pods) {
      for (int host = 2; host < 255; host++) {
        String candidate = PodAddressing.address(index, host);
        if (pods.values().stream().noneMatch(p -> p.ip().equals(candidate))) {
          return host;
        }
      }
    }
    throw new IllegalStateException("node " + name() + " has no free address in " + podCidr());
  }

  private void checkRunning() {
    if (stopped) {
      throw new NodeFailedException("node " + name() + " is stopped");
    }
    if (!process.isAlive()) {
      throw new NodeFailedException(
          "node "
              + name()
              + " is dead (exit "
              + process.exitValue()
              + "); console:\n"
              + console.tail());
    }
  }

  private void recordPids() {
    if (process.isAlive()) {
      record(HostProcesses.tree(process.toHandle()));
    }
  }

  private void record(Set<Long> seen) {
    pids.addAll(seen);
    pidRecorder.accept(seen);
  }

  @Override
  public String toString() {
    return "node " + name();
  }
}
