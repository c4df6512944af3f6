package io.kipvs.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An informer's cache that hands every object to the tracker as the informer stores it, and keeps
 * of each object only its key and resourceVersion.
 *
 * <p>Why not fabric8's cache and event handlers: the cache keeps every object whole (managedFields,
 * annotations, status...), which kipvs never reads again since the tracker keeps its own parsed
 * model; and fabric8 hands each event to the handlers as its own executor task, a thread hand-off
 * per object, 20,000 of them at start-up at 10,000 services (k8s-sync/README.md, Benchmark).
 *
 * <p>The informer calls {@link #put} for each listed or watched object and {@link #remove} for each
 * deleted one (a watch event, or an object missing from a re-list), in order, under its cache lock.
 * An object whose resourceVersion is the one already stored is unchanged (a re-list) and is not
 * handed over again, as fabric8 itself would not notify it. {@code put} returns the entry as it now
 * stands: fabric8 then sees the resourceVersion unchanged and queues no event task, which nothing
 * would receive. Once the informer has listed, every listed object has reached the tracker.
 *
 * <p>{@link #get} and {@link #values} give stand-ins that carry only namespace, name and
 * resourceVersion; that is all the informer reads of its cache (keys, resourceVersions, and the
 * objects to report deleted after a re-list).
 */
final class TrackingItemStore<T extends HasMetadata> implements ItemStore<T> {
  private static final Logger LOG = LoggerFactory.getLogger(TrackingItemStore.class);

  private final String kind;
  private final Supplier<T> empty;
  private final Consumer<T> upsert;
  private final Consumer<T> delete;
  private final Map<String, String> versions = new ConcurrentHashMap<>();

  /**
   * @param empty a new empty object of the kind, for stand-ins
   * @param upsert takes an added or changed object
   * @param delete takes a deleted object (a stand-in when the deletion came from a re-list)
   */
  TrackingItemStore(String kind, Supplier<T> empty, Consumer<T> upsert, Consumer<T> delete) {
    this.kind = kind;
    this.empty = empty;
    this.upsert = upsert;
    this.delete = delete;
  }

  @Override
  public String getKey(T object) {
    return Cache.metaNamespaceKeyFunc(object);
  }

  @Override
  public T put(String key, T object) {
    String version = object.getMetadata().getResourceVersion();
    String before = versions.put(key, version == null ? "" : version);
    if (before == null || !before.equals(version)) {
      // The label selector already hides skipped objects; this guards servers that ignore it.
      apply(object, InformerClusterWatch.skipped(object) ? delete : upsert);
    }
    return standIn(key, version);
  }

  @Override
  public T remove(String key) {
    String before = versions.remove(key);
    if (before == null) {
      return null;
    }
    T gone = standIn(key, before);
    apply(gone, delete);
    return gone;
  }

  @Override
  public Stream<String> keySet() {
    return versions.keySet().stream();
  }

  @Override
  public Stream<T> values() {
    return versions.entrySet().stream().map(e -> standIn(e.getKey(), e.getValue()));
  }

  @Override
  public int size() {
    return versions.size();
  }

  @Override
  public T get(String key) {
    String version = versions.get(key);
    return version == null ? null : standIn(key, version);
  }

  private T standIn(String key, String version) {
    int slash = key.indexOf('/');
    ObjectMeta meta = new ObjectMeta();
    if (slash >= 0) {
      meta.setNamespace(key.substring(0, slash));
    }
    meta.setName(key.substring(slash + 1));
    meta.setResourceVersion(version);
    T object = empty.get();
    object.setMetadata(meta);
    return object;
  }

  private void apply(T object, Consumer<T> action) {
    try {
      action.accept(object);
    } catch (RuntimeException e) {
      // One object must never stop the informer from storing the others.
      ObjectMeta meta = Objects.requireNonNullElseGet(object.getMetadata(), ObjectMeta::new);
      LOG.error("{} {}/{} could not be processed", kind, meta.getNamespace(), meta.getName(), e);
    }
  }
}
