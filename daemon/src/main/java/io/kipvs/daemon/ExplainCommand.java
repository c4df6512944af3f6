package io.kipvs.daemon;

import io.kipvs.daemon.config.BindAddress;
import io.kipvs.daemon.config.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kipvs explain NAMESPACE/SERVICE} and {@code kipvs explain --all}: asks the kipvs daemon of
 * this node, over its loopback debug endpoint, what it wants for the service and what the kernel
 * has, and prints the answer. Exit codes: 0 answered, 1 no daemon answers (or it failed), 2 bad
 * usage, 3 no such service.
 */
final class ExplainCommand {
  static final int NOT_FOUND = 3;

  @Command(
      name = "kipvs explain",
      mixinStandardHelpOptions = true,
      usageHelpAutoWidth = true,
      description = {
        "For one service on this node: each IPVS virtual server and real server kipvs wants beside"
            + " the kernel's, the kube-ipvs0 addresses and ipset entries, and why each endpoint"
            + " that is not a real server is left out. Asks the kipvs daemon running on this node.",
        "Exit codes: 0 answered, 1 no daemon answers, 2 bad usage, 3 no such service."
      })
  static final class Options {
    @Parameters(
        arity = "0..1",
        paramLabel = "NAMESPACE/SERVICE",
        description = "The service; or --all.")
    String service;

    @Option(names = "--all", description = "Every service kipvs knows of.")
    boolean all;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "text|json",
        description = "text (default) or json.")
    String output = "text";

    @Option(
        names = "--debug-address",
        paramLabel = "IP[:PORT]",
        description =
            "The daemon's --debug-bind-address (default 127.0.0.1:"
                + BindAddress.DEFAULT_DEBUG_PORT
                + "); loopback only.")
    String debugAddress = "127.0.0.1:" + BindAddress.DEFAULT_DEBUG_PORT;
  }

  private ExplainCommand() {}

  static int run(String[] args, PrintStream out, PrintStream err) {
    Options options = new Options();
    CommandLine commandLine = new CommandLine(options);
    try {
      CommandLine.ParseResult parsed = commandLine.parseArgs(args);
      if (parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()) {
        out.print(commandLine.getUsageMessage());
        return 0;
      }
    } catch (CommandLine.ParameterException e) {
      return usage(err, e.getMessage());
    }
    if ((options.service == null) == !options.all) {
      return usage(err, "give one NAMESPACE/SERVICE, or --all");
    }
    if (!options.output.equals("text") && !options.output.equals("json")) {
      return usage(err, "-o must be text or json, not '" + options.output + "'");
    }
    if (options.service != null && options.service.split("/", -1).length != 2) {
      return usage(err, "'" + options.service + "' is not NAMESPACE/SERVICE");
    }
    BindAddress address;
    try {
      Optional<BindAddress> given =
          BindAddress.parse(
              "flag --debug-address", options.debugAddress, BindAddress.DEFAULT_DEBUG_PORT);
      if (given.isEmpty()) {
        return usage(err, "--debug-address is empty");
      }
      address = given.get();
    } catch (UsageException e) {
      return usage(err, e.getMessage());
    }
    if (!address.address().isLoopbackAddress()) {
      return usage(
          err,
          "--debug-address "
              + options.debugAddress
              + " is not a loopback address: the daemon's debug endpoint serves 127.0.0.1 or ::1"
              + " only; run kipvs explain on the node (or in the kipvs pod)");
    }
    String query =
        options.all
            ? "all=true"
            : "service=" + URLEncoder.encode(options.service, StandardCharsets.UTF_8);
    URI uri = URI.create("http://" + address + "/explain?" + query + "&output=" + options.output);
    try {
      HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
      connection.setConnectTimeout(5_000);
      connection.setReadTimeout(120_000);
      int status = connection.getResponseCode();
      InputStream body = status < 400 ? connection.getInputStream() : connection.getErrorStream();
      String text = body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8);
      if (status == 200) {
        out.print(text);
        out.flush();
        return 0;
      }
      err.print("kipvs explain: " + text);
      return status == 404 ? NOT_FOUND : status == 400 ? Failure.USAGE : 1;
    } catch (ConnectException e) {
      err.println(
          "kipvs explain: no kipvs daemon answers on "
              + address
              + " ("
              + e.getMessage()
              + "). Is kipvs running on this node, with --debug-bind-address "
              + address
              + "?");
      return 1;
    } catch (SocketTimeoutException e) {
      err.println("kipvs explain: the kipvs daemon on " + address + " did not answer in time");
      return 1;
    } catch (IOException e) {
      err.println("kipvs explain: cannot ask the kipvs daemon on " + address + ": " + e);
      return 1;
    }
  }

  private static int usage(PrintStream err, String message) {
    err.println("kipvs explain: " + message);
    err.println(
        "Usage: kipvs explain [--debug-address IP[:PORT]] [-o text|json] NAMESPACE/SERVICE");
    err.println("       kipvs explain [--debug-address IP[:PORT]] [-o text|json] --all");
    return Failure.USAGE;
  }
}
