package io.kipvs.e2e.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okhttp3.mockwebserver.MockResponse;
import okio.ByteString;

/**
 * fabric8's CRUD dispatcher with watches that start where the client asks, as a real API server's
 * do. fabric8's opens every watch by sending each stored object that matches as ADDED, whatever the
 * watch's {@code resourceVersion}. Informers list and then watch from the list's resourceVersion,
 * so against fabric8's dispatcher every informer receives its whole list a second time right after
 * listing it (20,000 objects at the benchmark's 10,000 services), where a real API server sends
 * only what changed after that version.
 *
 * <p>Here a watch with a resourceVersion N (not empty, not "0") is not sent the objects fabric8
 * replays at its opening whose resourceVersion is N or older. A watch without one, or with "0",
 * still gets every object as ADDED: that is what a real API server sends then. Events after the
 * opening all pass, in order: an object added or changed after it carries a resourceVersion newer
 * than any the server had handed out by then, so newer than N. Only ADDED is ever dropped: a
 * DELETED carries the deleted object's last state, whose version can be N or older.
 *
 * <p>Lists with a {@code limit} come in pages, as from a real API server ({@link ListPages}). A
 * write finds the object it names without matching every stored object ({@link #findResource}).
 *
 * <p>Like fabric8's, this server keeps no history: a watch from a version older than some change
 * gets the current state of what changed, and no DELETED for objects deleted before it opened.
 */
final class ResumingCrudDispatcher extends KubernetesCrudDispatcher {
  private static final String ADDED = "ADDED";
  private static final String NAME = KubernetesAttributesExtractor.NAME;

  private final ListPages pages = new ListPages();

  // The stored keys by their name attribute, for the writes that name one object. fabric8 finds
  // that object by matching every stored key against the path's: at the benchmark's 20,000
  // objects that took tens of milliseconds of each write (0.8 s for the first, the scan not yet
  // compiled), which a real API server does not spend and which the benchmark's latency from the
  // API write would count.
  private final Map<Attribute, List<AttributeSet>> byName = new HashMap<>();
  // A write stored a key the index could not be told about: a key it lacks may exist.
  private boolean indexStale = true;
  // The key fabric8 stores a written object under, computed as its processEvent does.
  private final KubernetesAttributesExtractor extractor = new KubernetesAttributesExtractor();

  /**
   * The object a path names, through the index of stored keys by name: the first stored key with
   * the path's name that is still stored and matches the path, as fabric8's scan would find it.
   * Each write adds the key it stored ({@link #processEvent}); the index is built again, by one
   * scan, only when it has no such key and a write's key could not be told. Paths without a name
   * (lists) go to fabric8's scan.
   */
  @Override
  public synchronized Map.Entry<AttributeSet, String> findResource(AttributeSet path) {
    Attribute name = path.getAttribute(NAME);
    if (name == null) {
      return super.findResource(path);
    }
    Map.Entry<AttributeSet, String> found = indexed(name, path);
    if (found == null && indexStale) {
      byName.clear();
      for (AttributeSet key : map.keySet()) {
        Attribute n = key.getAttribute(NAME);
        if (n != null) {
          byName.computeIfAbsent(n, k -> new ArrayList<>()).add(key);
        }
      }
      indexStale = false;
      found = indexed(name, path);
    }
    return found;
  }

  private Map.Entry<AttributeSet, String> indexed(Attribute name, AttributeSet path) {
    for (AttributeSet key : byName.getOrDefault(name, List.of())) {
      String stored = map.get(key);
      if (stored != null && key.matches(path)) {
        return Map.entry(key, stored);
      }
    }
    return null;
  }

  @Override
  public synchronized void processEvent(
      String path,
      AttributeSet pathAttributes,
      AttributeSet oldAttributes,
      GenericKubernetesResource resource,
      String newState) {
    super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
    if (newState == null) {
      return;
    }
    // Each create used to rebuild the index from every stored key: 10,000 services' objects took
    // 120 s to create instead of seconds.
    AttributeSet key =
        resource != null ? extractor.extract(resource) : extractor.fromResource(newState);
    if (!key.containsKey(KubernetesAttributesExtractor.PLURAL)) {
      key = AttributeSet.merge(pathAttributes, key);
    }
    Attribute name = key.getAttribute(NAME);
    if (name != null && map.get(key) == newState) {
      List<AttributeSet> keys = byName.computeIfAbsent(name, k -> new ArrayList<>());
      if (!keys.contains(key)) {
        keys.add(key);
      }
    } else {
      indexStale = true;
    }
  }

  /**
   * A list with {@code limit} comes in pages ({@link ListPages}); fabric8's dispatcher ignores
   * {@code limit} and sends every item at once.
   */
  @Override
  public MockResponse handleGet(String path) {
    HttpUrl url = HttpUrl.get("http://api" + path);
    String limit = url.queryParameter("limit");
    int pageSize;
    try {
      pageSize = limit == null ? 0 : Integer.parseInt(limit);
    } catch (NumberFormatException e) {
      return badRequest("list " + path + ": limit " + limit + " is not a number");
    }
    String token = url.queryParameter("continue");
    if (token != null && !token.isEmpty()) {
      return pages.next(token, pageSize > 0 ? pageSize : Integer.MAX_VALUE);
    }
    MockResponse whole = super.handleGet(path);
    if (pageSize <= 0 || !whole.getStatus().contains(" 200") || whole.getBody() == null) {
      return whole;
    }
    return pages.first(whole.getBody().readUtf8(), pageSize);
  }

  @Override
  public MockResponse handleWatch(String path) {
    String since = HttpUrl.get("http://api" + path).queryParameter("resourceVersion");
    if (since == null || since.isEmpty() || since.equals("0")) {
      return super.handleWatch(path);
    }
    long version;
    try {
      version = Long.parseLong(since);
    } catch (NumberFormatException e) {
      return badRequest(
          "watch " + path + ": resourceVersion " + since + " is not one this server hands out");
    }
    MockResponse response = super.handleWatch(path);
    return response.withWebSocketUpgrade(
        new SkipsReplayUpTo(response.getWebSocketListener(), version));
  }

  private static MockResponse badRequest(String message) {
    return new MockResponse()
        .setResponseCode(HttpURLConnection.HTTP_BAD_REQUEST)
        .setBody(
            Serialization.asJson(
                new StatusBuilder()
                    .withStatus("Failure")
                    .withReason("BadRequest")
                    .withCode(HttpURLConnection.HTTP_BAD_REQUEST)
                    .withMessage(message)
                    .build()));
  }

  /**
   * fabric8's watch listener, handed a socket that drops the replayed objects. The replay is sent
   * from the listener's own thread after {@code onOpen} returns, so it cannot be cut short there:
   * the socket is where every event of this watch passes, in order.
   */
  private static final class SkipsReplayUpTo extends WebSocketListener {
    private final WebSocketListener fabric8;
    private final long version;

    SkipsReplayUpTo(WebSocketListener fabric8, long version) {
      this.fabric8 = fabric8;
      this.version = version;
    }

    @Override
    public void onOpen(WebSocket socket, Response response) {
      fabric8.onOpen(new DropsAddedUpTo(socket, version), response);
    }

    @Override
    public void onMessage(WebSocket socket, String text) {
      fabric8.onMessage(socket, text);
    }

    @Override
    public void onMessage(WebSocket socket, ByteString bytes) {
      fabric8.onMessage(socket, bytes);
    }

    @Override
    public void onClosing(WebSocket socket, int code, String reason) {
      fabric8.onClosing(socket, code, reason);
    }

    @Override
    public void onClosed(WebSocket socket, int code, String reason) {
      fabric8.onClosed(socket, code, reason);
    }

    @Override
    public void onFailure(WebSocket socket, Throwable failure, Response response) {
      fabric8.onFailure(socket, failure, response);
    }
  }

  /** A watch's socket that does not send ADDED events of objects at {@code version} or older. */
  private static final class DropsAddedUpTo implements WebSocket {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebSocket socket;
    private final long version;

    DropsAddedUpTo(WebSocket socket, long version) {
      this.socket = socket;
      this.version = version;
    }

    @Override
    public boolean send(String event) {
      if (isAddedAtOrBefore(event)) {
        return true;
      }
      return socket.send(event);
    }

    private boolean isAddedAtOrBefore(String event) {
      JsonNode json;
      try {
        json = JSON.readTree(event);
      } catch (IOException e) {
        // fabric8 writes every event as JSON; anything else is no replayed object, so it goes out.
        return false;
      }
      if (!ADDED.equals(json.path("type").asText())) {
        return false;
      }
      OptionalLong objectVersion =
          parse(json.path("object").path("metadata").path("resourceVersion").asText());
      return objectVersion.isPresent() && objectVersion.getAsLong() <= version;
    }

    private static OptionalLong parse(String resourceVersion) {
      try {
        return OptionalLong.of(Long.parseLong(resourceVersion));
      } catch (NumberFormatException e) {
        return OptionalLong.empty();
      }
    }

    @Override
    public boolean send(ByteString bytes) {
      return socket.send(bytes);
    }

    @Override
    public Request request() {
      return socket.request();
    }

    @Override
    public long queueSize() {
      return socket.queueSize();
    }

    @Override
    public boolean close(int code, String reason) {
      return socket.close(code, reason);
    }

    @Override
    public void cancel() {
      socket.cancel();
    }
  }
}
