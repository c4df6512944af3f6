package io.kipvs.daemon.events;

import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records events.k8s.io/v1 Events about this node's Node as kube-proxy does (its event recorder:
 * reporting controller "kube-proxy", instance "kube-proxy-NODE", the Node referenced with its name
 * as UID, in the default namespace, named NODE.HEXNANOS).
 *
 * <p>Best effort: events are created one at a time on a thread of their own, at most {@link
 * #QUEUED} waiting (more are dropped), so that a slow or refusing API server never holds up a sync
 * or the start. A failure is logged at most once per {@link #LOG_INTERVAL}, with how many failed
 * since; the API requests go through the client's rate limiter (--kube-api-qps) like every other.
 */
public final class NodeEvents implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeEvents.class);
  static final String REPORTING_CONTROLLER = "kube-proxy";
  static final int QUEUED = 64;
  static final Duration LOG_INTERVAL = Duration.ofMinutes(5);
  private static final DateTimeFormatter MICRO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX").withZone(ZoneOffset.UTC);

  /** The event types of the API. */
  public enum Type {
    NORMAL("Normal"),
    WARNING("Warning");

    final String text;

    Type(String text) {
      this.text = text;
    }
  }

  private final Supplier<KubernetesClient> client;
  private final String nodeName;
  private final Clock clock;
  private final ThreadPoolExecutor sender;
  // Guarded by this.
  private Instant lastLogged;
  private int failedSinceLog;

  /**
   * @param client the API client, asked for on the sender thread at the first event (so that
   *     recording never creates it on a caller's thread)
   */
  public NodeEvents(Supplier<KubernetesClient> client, String nodeName, Clock clock) {
    this.client = client;
    this.nodeName = nodeName;
    this.clock = clock;
    this.sender =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUED),
            r -> {
              Thread t = new Thread(r, "kipvs-events");
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.DiscardPolicy());
  }

  /** Queues an event about this node; returns at once. */
  public void record(Type type, String reason, String action, String note) {
    Event event = event(type, reason, action, note, clock.instant());
    try {
      sender.execute(() -> send(event));
    } catch (RejectedExecutionException e) {
      // Closed: nothing more is sent.
    }
  }

  /** The Event as kube-proxy's recorder makes it. */
  Event event(Type type, String reason, String action, String note, Instant now) {
    ObjectReference node =
        new ObjectReferenceBuilder().withKind("Node").withName(nodeName).withUid(nodeName).build();
    long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    return new EventBuilder()
        .withNewMetadata()
        .withName(nodeName + "." + Long.toHexString(nanos))
        .withNamespace("default")
        .endMetadata()
        .withEventTime(new MicroTime(MICRO_TIME.format(now)))
        .withReportingController(REPORTING_CONTROLLER)
        .withReportingInstance(REPORTING_CONTROLLER + "-" + nodeName)
        .withAction(action)
        .withReason(reason)
        .withRegarding(node)
        .withNote(note)
        .withType(type.text)
        .build();
  }

  private void send(Event event) {
    try {
      client
          .get()
          .events()
          .v1()
          .events()
          .inNamespace(event.getMetadata().getNamespace())
          .resource(event)
          .create();
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  private synchronized void failed(Event event, RuntimeException e) {
    failedSinceLog++;
    Instant now = clock.instant();
    if (lastLogged == null || !now.isBefore(lastLogged.plus(LOG_INTERVAL))) {
      LOG.warn(
          "cannot record event {} about node {} ({} failed since the last such message; events"
              + " are best effort, syncing goes on): {}",
          event.getReason(),
          nodeName,
          failedSinceLog,
          e.getMessage());
      lastLogged = now;
      failedSinceLog = 0;
    }
  }

  /** Stops sending; waits briefly for queued events (a stop event, say) to go out. */
  @Override
  public void close() {
    sender.shutdown();
    try {
      sender.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sender.shutdownNow();
  }
}
