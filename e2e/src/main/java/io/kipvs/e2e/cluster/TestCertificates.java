package io.kipvs.e2e.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A cluster's certificate authority and the API server's certificate it signed, for the address
 * nodes reach the test's API server at ({@link ApiServer#HOST_FROM_NODE}) and the host's loopback,
 * as kubeadm makes them; plus a second authority that signed nothing, to play a wrong CA file. Made
 * with the JDK's keytool, in a folder of the test's.
 *
 * @param caCertificate the cluster's CA certificate, PEM (a pod's service-account ca.crt)
 * @param otherCaCertificate a CA certificate, PEM, that did not sign the server's
 * @param serverKeyStore the server's key and certificate chain, PKCS#12
 */
public record TestCertificates(Path caCertificate, Path otherCaCertificate, Path serverKeyStore) {
  private static final String PASSWORD = "kipvs-test";

  /** Makes both authorities and the server's certificate in {@code dir}. */
  public static TestCertificates create(Path dir) {
    try {
      Files.createDirectories(dir);
      Path ca = dir.resolve("ca.p12");
      Path other = dir.resolve("other-ca.p12");
      Path server = dir.resolve("apiserver.p12");
      for (Path p : List.of(ca, other, server)) {
        Files.deleteIfExists(p);
      }
      authority(ca, "CN=kubernetes");
      authority(other, "CN=some-other-ca");
      Path caPem = export(ca, dir.resolve("ca.crt"));
      Path otherPem = export(other, dir.resolve("other-ca.crt"));
      keytool(
          "-genkeypair",
          "-alias",
          "server",
          "-keyalg",
          "RSA",
          "-keysize",
          "2048",
          "-dname",
          "CN=kube-apiserver",
          "-validity",
          "7",
          "-keystore",
          server.toString());
      Path request = dir.resolve("apiserver.csr");
      keytool(
          "-certreq",
          "-alias",
          "server",
          "-keystore",
          server.toString(),
          "-file",
          request.toString());
      Path signed = dir.resolve("apiserver.crt");
      keytool(
          "-gencert",
          "-alias",
          "ca",
          "-keystore",
          ca.toString(),
          "-infile",
          request.toString(),
          "-outfile",
          signed.toString(),
          "-rfc",
          "-validity",
          "7",
          "-ext",
          "san=ip:" + ApiServer.HOST_FROM_NODE + ",ip:127.0.0.1,dns:localhost",
          "-ext",
          "eku=serverAuth");
      keytool(
          "-importcert",
          "-noprompt",
          "-alias",
          "ca",
          "-file",
          caPem.toString(),
          "-keystore",
          server.toString());
      keytool(
          "-importcert",
          "-alias",
          "server",
          "-file",
          signed.toString(),
          "-keystore",
          server.toString());
      return new TestCertificates(caPem, otherPem, server);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make test certificates in " + dir, e);
    }
  }

  /** TLS for the API server: its key and the chain up to the cluster's CA. */
  public SSLContext serverContext() {
    try (InputStream in = Files.newInputStream(serverKeyStore)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, PASSWORD.toCharArray());
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, PASSWORD.toCharArray());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot load " + serverKeyStore, e);
    }
  }

  private static void authority(Path store, String name) throws IOException {
    keytool(
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        name,
        "-validity",
        "7",
        "-ext",
        "bc:c",
        "-ext",
        "ku:c=keyCertSign,cRLSign",
        "-keystore",
        store.toString());
  }

  private static Path export(Path store, Path pem) throws IOException {
    Files.deleteIfExists(pem);
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        store.toString(),
        "-file",
        pem.toString());
    return pem;
  }

  private static void keytool(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String out = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IOException("keytool failed: " + command + "\n" + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException("interrupted: " + command, e);
    }
  }
}
