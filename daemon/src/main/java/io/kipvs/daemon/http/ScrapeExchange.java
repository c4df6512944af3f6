package io.kipvs.daemon.http;

import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.zip.GZIPOutputStream;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Jetty request and response as the Prometheus client's scrape handler sees an exchange. Runs
 * on a pool thread: the body is written through a blocking output stream.
 */
final class ScrapeExchange implements PrometheusHttpExchange {
  private static final Logger LOG = LoggerFactory.getLogger(ScrapeExchange.class);

  private final ScrapeRequest request;
  private final Response response;
  private OutputStream body;
  // The scrape as the handler wrote it, uncompressed, when it is to be rewritten before sending.
  private ByteArrayOutputStream buffered;
  private boolean closed;

  ScrapeExchange(Request request, Response response) {
    this.request = new ScrapeRequest(request);
    this.response = response;
  }

  @Override
  public PrometheusHttpRequest getRequest() {
    return request;
  }

  @Override
  public PrometheusHttpResponse getResponse() {
    return new PrometheusHttpResponse() {
      @Override
      public void setHeader(String name, String value) {
        response.getHeaders().put(name, value);
      }

      /** A length of -1 means no body (HEAD), 0 a body of unknown length. */
      @Override
      public OutputStream sendHeadersAndGetBody(int statusCode, int contentLength)
          throws IOException {
        if (body != null) {
          throw new IOException("Cannot send multiple HTTP responses for a single HTTP exchange.");
        }
        response.setStatus(statusCode);
        String type = response.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (contentLength > 0 && GaugesNamedTotal.rewrites(type)) {
          // The handler never compresses (ScrapeRequest hides Accept-Encoding from it): the body
          // is rewritten, then compressed here if the client asked for it (close()).
          body = Content.Sink.asOutputStream(response);
          buffered = new ByteArrayOutputStream(contentLength);
          return buffered;
        }
        if (contentLength > 0) {
          response.getHeaders().put(HttpHeader.CONTENT_LENGTH, contentLength);
        }
        body = Content.Sink.asOutputStream(response);
        return body;
      }
    };
  }

  @Override
  public void handleException(IOException e) throws IOException {
    if (!answerWithError(e)) {
      throw e;
    }
  }

  @Override
  public void handleException(RuntimeException e) {
    if (!answerWithError(e)) {
      throw e;
    }
  }

  /** A 500 with the cause when nothing was sent yet; false when it is too late for that. */
  private boolean answerWithError(Exception e) {
    if (response.isCommitted()) {
      return false;
    }
    LOG.warn("Scrape of {} failed: {}", request.getRequestPath(), e.toString(), e);
    StringWriter text = new StringWriter();
    PrintWriter out = new PrintWriter(text);
    out.write("An Exception occurred while scraping metrics: ");
    e.printStackTrace(out);
    out.flush();
    response.reset();
    response.setStatus(500);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    body = Content.Sink.asOutputStream(response);
    try {
      body.write(text.toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException failed) {
      e.addSuppressed(failed);
      return false;
    }
    return true;
  }

  /**
   * Completes the body (the last chunk, or nothing when the length was given). The scrape handler
   * closes the exchange itself; closing again does nothing.
   */
  @Override
  public void close() {
    if (body == null || closed) {
      return;
    }
    closed = true;
    try {
      if (buffered != null) {
        sendRewritten();
      }
      body.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void sendRewritten() throws IOException {
    String type = response.getHeaders().get(HttpHeader.CONTENT_TYPE);
    byte[] rewritten = GaugesNamedTotal.rewrite(buffered.toByteArray(), type);
    if (request.acceptsGzip()) {
      // The handler set the uncompressed length.
      response.getHeaders().remove(HttpHeader.CONTENT_LENGTH);
      response.getHeaders().put(HttpHeader.CONTENT_ENCODING, "gzip");
      try (GZIPOutputStream gzip = new GZIPOutputStream(body)) {
        gzip.write(rewritten);
      }
    } else {
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, rewritten.length);
      body.write(rewritten);
    }
  }

  private record ScrapeRequest(Request request) implements PrometheusHttpRequest {
    /** As the scrape handler decides on compression. */
    boolean acceptsGzip() {
      for (String value : request.getHeaders().getValuesList(HttpHeader.ACCEPT_ENCODING)) {
        for (String part : value.split(",")) {
          if (part.trim().equalsIgnoreCase("gzip")) {
            return true;
          }
        }
      }
      return false;
    }

    @Override
    public String getQueryString() {
      return request.getHttpURI().getQuery();
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      if (name.equalsIgnoreCase(HttpHeader.ACCEPT_ENCODING.asString())) {
        // This exchange compresses itself, after rewriting (GaugesNamedTotal).
        return Collections.emptyEnumeration();
      }
      return Collections.enumeration(request.getHeaders().getValuesList(name));
    }

    @Override
    public String getMethod() {
      return request.getMethod();
    }

    @Override
    public String getRequestPath() {
      return Request.getPathInContext(request);
    }
  }
}
