package io.kipvs.daemon;

import io.kipvs.daemon.config.GoDuration;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the healthz and metrics servers as kube-proxy does. With --bind-address-hard-fail a server
 * that cannot bind fails start-up (exit 1). Without it, kube-proxy's default, the failure is logged
 * and the bind retried every 5 s in the background, so that a port held for a while (by the proxy
 * being replaced, say) does not stop the proxy itself.
 */
final class ServerStarter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServerStarter.class);
  static final Duration RETRY = Duration.ofSeconds(5);

  /** Binds and starts one server. */
  @FunctionalInterface
  interface Start {
    AutoCloseable start() throws IOException;
  }

  private final boolean hardFail;
  private final Duration retry;
  private final List<AutoCloseable> started = new ArrayList<>();
  private ScheduledExecutorService retries;
  private boolean closed;

  ServerStarter(boolean hardFail, Duration retry) {
    this.hardFail = hardFail;
    this.retry = retry;
  }

  /**
   * Starts a server now, or schedules retries.
   *
   * @param what the server and its flag, e.g. "/healthz on 0.0.0.0:10256 (--healthz-bind-address)"
   * @param onStarted called once the server runs (at once, or from the retry thread)
   * @throws IOException only with hard fail, when the first attempt fails
   */
  void start(String what, Start start, Consumer<AutoCloseable> onStarted) throws IOException {
    start(what, start, onStarted, e -> {});
  }

  /**
   * As {@link #start(String, Start, Consumer)}, and tells {@code onFailed} of the first attempt's
   * failure (kube-proxy records an event then).
   */
  void start(
      String what, Start start, Consumer<AutoCloseable> onStarted, Consumer<IOException> onFailed)
      throws IOException {
    try {
      keep(start.start(), onStarted);
    } catch (IOException e) {
      onFailed.accept(e);
      if (hardFail) {
        throw new IOException("cannot serve " + what + ": " + e, e);
      }
      LOG.error(
          "cannot serve {}: {}; retrying every {} (--bind-address-hard-fail=true would stop"
              + " kipvs instead)",
          what,
          e.toString(),
          GoDuration.format(retry));
      schedule(what, start, onStarted);
    }
  }

  private synchronized void schedule(String what, Start start, Consumer<AutoCloseable> onStarted) {
    if (closed) {
      return;
    }
    if (retries == null) {
      retries =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "kipvs-bind-retry");
                t.setDaemon(true);
                return t;
              });
    }
    retries.schedule(() -> attempt(what, start, onStarted), retry.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void attempt(String what, Start start, Consumer<AutoCloseable> onStarted) {
    try {
      keep(start.start(), onStarted);
    } catch (IOException e) {
      LOG.warn("still cannot serve {}: {}", what, e.toString());
      schedule(what, start, onStarted);
    }
  }

  private void keep(AutoCloseable server, Consumer<AutoCloseable> onStarted) {
    boolean kept;
    synchronized (this) {
      kept = !closed;
      if (kept) {
        started.add(server);
      }
    }
    if (kept) {
      onStarted.accept(server);
    } else {
      // Bound after shutdown began: nobody will close it otherwise.
      closeQuietly(server);
    }
  }

  /** Stops the retries and every server started. */
  @Override
  public void close() {
    List<AutoCloseable> toClose;
    synchronized (this) {
      closed = true;
      if (retries != null) {
        retries.shutdownNow();
      }
      toClose = List.copyOf(started);
      started.clear();
    }
    toClose.forEach(ServerStarter::closeQuietly);
  }

  private static void closeQuietly(AutoCloseable server) {
    try {
      server.close();
    } catch (Exception e) {
      LOG.debug("closing {}", server, e);
    }
  }
}
