package io.kipvs.daemon;

import io.kipvs.daemon.config.CommandLineParser;
import io.kipvs.daemon.config.CommandLineResult;
import io.kipvs.daemon.config.DaemonConfig;
import io.kipvs.daemon.config.GoDuration;
import io.kipvs.daemon.conntrack.Conntracker;
import io.kipvs.daemon.conntrack.KernelFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the kipvs node proxy, and of {@code kipvs explain} ({@link ExplainCommand}) when
 * the first argument is "explain". Exit codes: 0 after --help, --version, --cleanup or --init-only;
 * 1 when start-up fails (no IPVS in the kernel, missing CAP_NET_ADMIN, unreadable kubeconfig...); 2
 * for a bad flag or configuration file. SIGTERM stops cleanly (the JVM then exits with 143) and
 * leaves every rule in place.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
    System.exit(code);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length > 0 && args[0].equals("explain")) {
      return ExplainCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
    }
    DaemonConfig config;
    try {
      CommandLineResult result = new CommandLineParser(Main::hostname).parse(args);
      if (result instanceof CommandLineResult.Print print) {
        out.print(print.text());
        out.flush();
        return 0;
      }
      config = ((CommandLineResult.Start) result).config();
    } catch (RuntimeException e) {
      Failure failure = Failure.of(e);
      err.println("kipvs: " + failure.message());
      if (failure.exitCode() == Failure.USAGE) {
        err.println("Run 'kipvs --help' for the flags.");
      }
      return failure.exitCode();
    }
    Logging.apply(config.verbosity(), config.logFormat());
    // One line per setting kept only for compatibility, saying why it changes nothing.
    config.notes().forEach(note -> LOG.info("kube-proxy setting without effect: {}", note));
    config.warnings().forEach(warning -> LOG.warn("kube-proxy setting not followed: {}", warning));
    DaemonComponent component = DaggerDaemonComponent.factory().create(config);
    Daemon daemon = new Daemon(config, component, Conntracker.forThisNode());
    try {
      switch (config.action()) {
        case CLEANUP -> daemon.cleanup();
        case INIT_ONLY -> daemon.initOnly();
        case RUN -> {
          applyOomScoreAdj(config.oomScoreAdj());
          Thread hook = new Thread(daemon::stop, "kipvs-shutdown");
          Runtime.getRuntime().addShutdownHook(hook);
          LOG.info(
              "kipvs starting: node {}, scheduler {}, sync period {}",
              config.proxier().nodeName(),
              config.proxier().scheduler(),
              GoDuration.format(config.proxier().syncPeriod()));
          daemon.run();
        }
      }
      return 0;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      Failure failure = Failure.of(e);
      if (!failure.expected()) {
        LOG.error("start-up failed", e);
      }
      err.println("kipvs: " + failure.message());
      return failure.exitCode();
    }
  }

  /** As kube-proxy: a refusal (no CAP_SYS_RESOURCE to lower it) is logged, not fatal. */
  private static void applyOomScoreAdj(int value) {
    OomScoreAdjuster adjuster = OomScoreAdjuster.forThisProcess();
    try {
      LOG.info("oom_score_adj of this process is now {} (--oom-score-adj)", adjuster.apply(value));
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot set {} to {} (--oom-score-adj): {}", adjuster, value, e.toString());
    }
  }

  /** This machine's host name, without a DNS look-up when the kernel can tell. */
  static String hostname() {
    try {
      Path kernel = Path.of("/proc/sys/kernel/hostname");
      if (Files.isReadable(kernel)) {
        return KernelFiles.read(kernel);
      }
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      String env = System.getenv("HOSTNAME");
      return env == null ? "" : env;
    }
  }
}
