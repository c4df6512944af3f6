package io.kipvs.daemon.proxy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * TCP real servers at weight 0 waiting for their connections to end, since when; and the ones the
 * drain loop deleted, for the sync loop to learn (it keeps its own view of the table).
 */
final class DrainTracker {
  private final Map<IpvsPlan.RealServerRef, Instant> since = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<IpvsPlan.RealServerRef> deleted =
      new ConcurrentLinkedQueue<>();

  // Told after each real server that starts draining, so that the drain check runs only then.
  private volatile Runnable onDraining = () -> {};

  void onDraining(Runnable listener) {
    onDraining = listener;
  }

  void draining(IpvsPlan.RealServerRef ref, Instant now) {
    since.putIfAbsent(ref, now);
    onDraining.run();
  }

  void restored(IpvsPlan.RealServerRef ref) {
    since.remove(ref);
  }

  /** Since when this real server drains, if it still does. */
  Optional<Instant> since(IpvsPlan.RealServerRef ref) {
    return Optional.ofNullable(since.get(ref));
  }

  Map<IpvsPlan.RealServerRef, Instant> snapshot() {
    return Map.copyOf(since);
  }

  void forget(IpvsPlan.RealServerRef ref) {
    since.remove(ref);
  }

  void deletedByDrain(IpvsPlan.RealServerRef ref) {
    since.remove(ref);
    deleted.add(ref);
  }

  /** The real servers the drain loop deleted since the previous call. */
  List<IpvsPlan.RealServerRef> takeDeleted() {
    List<IpvsPlan.RealServerRef> out = new ArrayList<>();
    IpvsPlan.RealServerRef r;
    while ((r = deleted.poll()) != null) {
      out.add(r);
    }
    return out;
  }

  int size() {
    return since.size();
  }
}
