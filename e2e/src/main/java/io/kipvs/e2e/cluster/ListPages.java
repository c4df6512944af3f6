package io.kipvs.e2e.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import okhttp3.mockwebserver.MockResponse;

/**
 * Lists served in pages, as a real API server serves a list request with {@code limit}: at most
 * that many items, and a {@code continue} token in the list's metadata while more remain, with
 * {@code remainingItemCount}. Every page of one list comes from the list as it stood at its first
 * page (a real server reads them all at the first page's resourceVersion), so writes between pages
 * neither repeat nor lose an item. A token this server no longer holds gets 410 Gone with reason
 * Expired, as a compacted one does from a real server, and the client lists again from the start.
 */
final class ListPages {
  private static final ObjectMapper JSON = new ObjectMapper();
  // Lists whose last page was never asked for are dropped, oldest first, beyond this many.
  private static final int KEPT = 64;

  private final Map<String, Held> lists =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Held> eldest) {
          return size() > KEPT;
        }
      };

  /** The first page of a list the server answered whole with {@code body}. */
  synchronized MockResponse first(String body, int limit) {
    JsonNode parsed = parse(body);
    if (!(parsed instanceof ObjectNode list) || !list.path("items").isArray()) {
      return json(200, body);
    }
    if (list.get("items").size() <= limit) {
      return json(200, body);
    }
    String id = UUID.randomUUID().toString();
    Held held = new Held(list, (ArrayNode) list.remove("items"));
    lists.put(id, held);
    return page(id, held, 0, limit);
  }

  /** The page a {@code continue} token points at. */
  synchronized MockResponse next(String token, int limit) {
    int slash = token.lastIndexOf('/');
    Held list = slash < 0 ? null : lists.get(token.substring(0, slash));
    int offset;
    try {
      offset = slash < 0 ? -1 : Integer.parseInt(token.substring(slash + 1));
    } catch (NumberFormatException e) {
      offset = -1;
    }
    if (list == null || offset < 0) {
      return json(
          410,
          Serialization.asJson(
              new StatusBuilder()
                  .withStatus("Failure")
                  .withReason("Expired")
                  .withCode(410)
                  .withMessage(
                      "The provided continue parameter is too old to display a consistent list"
                          + " result. You can start a new list without the continue parameter.")
                  .build()));
    }
    return page(token.substring(0, slash), list, offset, limit);
  }

  private MockResponse page(String id, Held list, int offset, int limit) {
    ArrayNode items = list.items();
    int end = Math.min(items.size(), offset + Math.max(limit, 1));
    ObjectNode page = list.shell().deepCopy();
    ArrayNode pageItems = page.putArray("items");
    for (int i = offset; i < end; i++) {
      pageItems.add(items.get(i));
    }
    ObjectNode metadata = page.with("metadata");
    if (end < items.size()) {
      metadata.put("continue", id + "/" + end);
      metadata.put("remainingItemCount", items.size() - end);
    } else {
      metadata.remove("continue");
      metadata.remove("remainingItemCount");
      lists.remove(id);
    }
    try {
      return json(200, JSON.writeValueAsString(page));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A list as it stood at its first page: everything but its items, and its items. */
  private record Held(ObjectNode shell, ArrayNode items) {}

  private static JsonNode parse(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(body);
  }
}
