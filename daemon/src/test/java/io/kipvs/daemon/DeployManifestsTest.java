package io.kipvs.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.zjsonpatch.JsonPatch;
import io.kipvs.daemon.config.CommandLineParser;
import io.kipvs.daemon.config.CommandLineResult;
import io.kipvs.daemon.config.DaemonConfig;
import io.kipvs.daemon.config.UsageException;
import io.kipvs.daemon.events.NodeEvents;
import io.kipvs.k8s.ClusterWatch;
import io.kipvs.k8s.ServiceName;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The manifests in deploy/ as a user applies them (issue 17, item 7): parsed into fabric8's typed
 * objects; the DaemonSet's command line run through kipvs's own flag and configuration parser
 * against the ConfigMap kubeadm keeps (or the standalone overlay's); the DaemonSet compared with
 * kubeadm's kube-proxy DaemonSet; the ClusterRole compared, both ways, with the requests the
 * daemon's API code makes in a real run against fabric8's mock API server.
 */
class DeployManifestsTest {
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger(MockWebServer.class.getName());

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private static final Path REPOSITORY = Path.of("..");
  private static final Path DEPLOY = REPOSITORY.resolve("deploy");
  private static final Path STANDALONE = DEPLOY.resolve("overlays/standalone");
  private static final String KUBEADM = "kubeadm-kube-proxy.yaml";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String NODE = "worker-3";

  /** The control plane endpoint in the kubeadm fixture, and the user's value in the overlay's. */
  private static final String API_SERVER = "https://192.0.2.10:6443";

  private static final String SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
  private static final String TOKEN = "token-of-the-kipvs-service-account";
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @TempDir Path dir;

  // ---------------------------------------------------------------- the objects

  /** deploy/ on a kubeadm cluster: exactly these four objects, each of a typed model class. */
  @Test
  void kubeadmInstallIsTheServiceAccountItsRoleAndTheDaemonSet() throws IOException {
    List<HasMetadata> objects = build(DEPLOY);
    assertThat(objects)
        .extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
        .containsExactlyInAnyOrder(
            "ServiceAccount/kipvs",
            "ClusterRole/kipvs",
            "ClusterRoleBinding/kipvs",
            "DaemonSet/kipvs");
    assertThat(objects).noneMatch(o -> o instanceof GenericKubernetesResource);
    ServiceAccount account = one(objects, ServiceAccount.class);
    ClusterRoleBinding binding = one(objects, ClusterRoleBinding.class);
    DaemonSet daemonSet = one(objects, DaemonSet.class);
    assertThat(account.getMetadata().getNamespace()).isEqualTo("kube-system");
    assertThat(daemonSet.getMetadata().getNamespace()).isEqualTo("kube-system");
    assertThat(daemonSet.getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo(account.getMetadata().getName());
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo(account.getMetadata().getName());
              assertThat(s.getNamespace()).isEqualTo("kube-system");
            });
    assertThat(binding.getRoleRef().getKind()).isEqualTo("ClusterRole");
    assertThat(binding.getRoleRef().getName())
        .isEqualTo(one(objects, ClusterRole.class).getMetadata().getName());
  }

  /** No manifest lies next to the kustomizations without being one of their resources. */
  @Test
  void everyManifestIsAResourceOfItsKustomization() throws IOException {
    for (Path root : List.of(DEPLOY, DEPLOY.resolve("base"))) {
      Set<String> listed = new TreeSet<>();
      for (JsonNode r : kustomization(root).path("resources")) {
        listed.add(r.asText());
      }
      try (Stream<Path> files = Files.list(root)) {
        List<String> yaml =
            files
                .map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
                .toList();
        assertThat(listed).as("resources of %s", root).containsAll(yaml);
      }
    }
  }

  /**
   * The DaemonSet runs kipvs as kubeadm's DaemonSet runs kube-proxy: same command line, ConfigMap,
   * volumes, host network, privileges, tolerations, priority, node selector and update strategy; no
   * probe (kube-proxy has none, so a node whose API server is away does not restart kipvs in a
   * loop); the node's own resolver.
   */
  @Test
  void daemonSetRunsKipvsAsKubeadmRunsKubeProxy() throws IOException {
    PodSpec ours = daemonSet(build(DEPLOY)).getSpec().getTemplate().getSpec();
    DaemonSet kubeadmSet = one(kubeadm(), DaemonSet.class);
    PodSpec theirs = kubeadmSet.getSpec().getTemplate().getSpec();
    Container kipvs = ours.getContainers().get(0);
    Container kubeProxy = theirs.getContainers().get(0);
    assertThat(ours.getContainers()).hasSize(1);
    assertThat(ours.getInitContainers()).isEmpty();
    // The image's entry point is kipvs; kube-proxy's command names its binary first.
    assertThat(kipvs.getCommand()).isEmpty();
    assertThat(kipvs.getArgs())
        .isEqualTo(kubeProxy.getCommand().subList(1, kubeProxy.getCommand().size()));
    assertThat(kipvs.getEnv()).isEqualTo(kubeProxy.getEnv());
    assertThat(ours.getVolumes()).isEqualTo(theirs.getVolumes());
    assertThat(kipvs.getVolumeMounts())
        .extracting(VolumeMount::getName, VolumeMount::getMountPath)
        .isEqualTo(
            kubeProxy.getVolumeMounts().stream()
                .map(m -> org.assertj.core.groups.Tuple.tuple(m.getName(), m.getMountPath()))
                .toList());
    assertThat(kipvs.getSecurityContext().getPrivileged()).isTrue();
    assertThat(ours.getHostNetwork()).isEqualTo(theirs.getHostNetwork()).isTrue();
    assertThat(ours.getTolerations()).isEqualTo(theirs.getTolerations());
    assertThat(ours.getPriorityClassName()).isEqualTo(theirs.getPriorityClassName());
    assertThat(ours.getNodeSelector()).isEqualTo(theirs.getNodeSelector());
    var strategy = daemonSet(build(DEPLOY)).getSpec().getUpdateStrategy();
    assertThat(strategy).isEqualTo(kubeadmSet.getSpec().getUpdateStrategy());
    for (Container c : List.of(kipvs, kubeProxy)) {
      assertThat(c.getLivenessProbe()).as("liveness probe of %s", c.getName()).isNull();
      assertThat(c.getReadinessProbe()).as("readiness probe of %s", c.getName()).isNull();
      assertThat(c.getStartupProbe()).as("startup probe of %s", c.getName()).isNull();
    }
    // kubelet: a hostNetwork pod with ClusterFirst (the default) gets the node's resolver, as
    // with Default; ClusterFirstWithHostNet would send kipvs's lookups to cluster DNS.
    assertThat(resolver(ours)).isEqualTo(resolver(theirs)).isEqualTo("node");
    assertThat(ours.getDnsPolicy()).isEqualTo("Default");
  }

  private static String resolver(PodSpec spec) {
    String policy = spec.getDnsPolicy() == null ? "ClusterFirst" : spec.getDnsPolicy();
    boolean host = Boolean.TRUE.equals(spec.getHostNetwork());
    return switch (policy) {
      case "Default" -> "node";
      case "ClusterFirst" -> host ? "node" : "cluster";
      case "ClusterFirstWithHostNet" -> "cluster";
      default -> policy;
    };
  }

  // ---------------------------------------------------------------- the command line

  /**
   * The DaemonSet's args, with kubeadm's ConfigMap mounted where the DaemonSet mounts it, pass
   * kipvs's own parser: no unknown flag, no field it would only name as ignored, the cluster's
   * settings from kubeadm's file (pod CIDR, kubeconfig with the API server's address), this node's
   * name; and every arg changes the result (none is ignored).
   */
  @Test
  void argsParseWithKubeadmsConfigMapAndEachOneMatters() throws IOException {
    DaemonSet daemonSet = daemonSet(build(DEPLOY));
    PodView pod = new PodView(daemonSet, kubeadm(), Map.of());
    DaemonConfig config = parse(pod.args());
    assertThat(config.notes()).isEmpty();
    assertThat(config.warnings()).isEmpty();
    assertThat(config.action()).isEqualTo(DaemonConfig.Action.RUN);
    assertThat(config.proxier().nodeName()).isEqualTo(NODE);
    assertThat(config.proxier().scheduler()).isEqualTo("rr");
    assertThat(config.proxier().clusterCidrs())
        .extracting(c -> c.address().getHostAddress() + "/" + c.prefixLength())
        .containsExactly("10.244.0.0/16");
    assertThat(config.kubeconfig()).contains(pod.onHost("/var/lib/kube-proxy/kubeconfig.conf"));
    assertThat(Files.readString(Path.of(config.kubeconfig().orElseThrow())))
        .contains("server: " + API_SERVER);
    assertThat(config.master()).isEmpty();
    List<String> args = pod.args();
    for (int i = 0; i < args.size(); i++) {
      List<String> without = new ArrayList<>(args);
      String arg = without.remove(i);
      assertThat(parse(without)).as("the config without %s", arg).isNotEqualTo(config);
    }
  }

  /**
   * kipvs is always IPVS: kubeadm's file says mode "" unless the cluster chose one (kube-proxy
   * takes "" as iptables, kipvs as ipvs), or "ipvs"; any other mode stops kipvs with exit code 2 (a
   * usage error) naming the rule, never a silent switch.
   */
  @ParameterizedTest
  @ValueSource(strings = {"\"\"", "ipvs", "iptables", "nftables"})
  void kubeadmsModeIsIpvsOrRefused(String mode) throws IOException {
    List<HasMetadata> kubeadm = kubeadm();
    ConfigMap original = one(kubeadm, ConfigMap.class);
    String conf = original.getData().get("config.conf");
    assertThat(conf).contains("\nmode: \"\"\n");
    ConfigMap withMode =
        new ConfigMapBuilder(original)
            .addToData("config.conf", conf.replace("\nmode: \"\"\n", "\nmode: " + mode + "\n"))
            .build();
    List<HasMetadata> cluster = new ArrayList<>(kubeadm);
    cluster.replaceAll(o -> o == original ? withMode : o);
    PodView pod = new PodView(daemonSet(build(DEPLOY)), cluster, Map.of());
    if (mode.equals("\"\"") || mode.equals("ipvs")) {
      assertThat(parse(pod.args()).notes()).isEmpty();
    } else {
      assertThatThrownBy(() -> parse(pod.args()))
          .isInstanceOf(UsageException.class)
          .hasMessageContaining("field mode in " + pod.onHost("/var/lib/kube-proxy/config.conf"))
          .hasMessageContaining("kipvs only supports the ipvs proxy mode");
    }
  }

  /**
   * deploy/overlays/standalone: its ConfigMap takes the place of kubeadm's, and the one value the
   * user gives (KIPVS_API_SERVER) reaches kipvs as --master; its kubeconfig (no server, the service
   * account's token and CA) then authenticates against that server.
   */
  @Test
  void standaloneOverlayTakesTheApiServerFromOneValue() throws Exception {
    JsonNode overlay = kustomization(STANDALONE);
    List<HasMetadata> objects = build(STANDALONE);
    DaemonSet daemonSet = daemonSet(objects);
    JsonNode generator = overlay.path("configMapGenerator").get(0);
    assertThat(overlay.path("configMapGenerator")).hasSize(1);
    ConfigMapBuilder generated =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(generator.path("name").asText())
            .withNamespace(generator.path("namespace").asText())
            .endMetadata();
    for (JsonNode file : generator.path("files")) {
      generated.addToData(file.asText(), Files.readString(STANDALONE.resolve(file.asText())));
    }
    // The env file is the user's (deploy/README.md): one line.
    assertThat(generator.path("envs")).hasSize(1);
    assertThat(generator.path("envs").get(0).asText()).isEqualTo("api-server.env");
    generated.addToData("KIPVS_API_SERVER", API_SERVER);
    assertThat(Files.readString(DEPLOY.resolve("README.md")))
        .contains("KIPVS_API_SERVER=")
        .contains("api-server.env");

    KubernetesMockServer server = crudServer();
    try {
      String url = "http://127.0.0.1:" + server.getPort();
      PodView pod = new PodView(daemonSet, List.of(generated.build()), Map.of(API_SERVER, url));
      DaemonConfig config = parse(pod.args());
      assertThat(config.notes()).isEmpty();
      assertThat(config.warnings()).isEmpty();
      assertThat(config.proxier().nodeName()).isEqualTo(NODE);
      assertThat(config.master()).contains(url);
      assertThat(config.kubeconfig()).contains(pod.onHost("/var/lib/kube-proxy/kubeconfig.conf"));
      try (KubernetesClient client =
          KubernetesClients.create(config.kubeconfig(), config.master(), Optional.empty())) {
        client.nodes().list();
      }
      RecordedRequest request = server.takeRequest(10, TimeUnit.SECONDS);
      assertThat(request.getPath()).startsWith("/api/v1/nodes");
      assertThat(request.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN);
    } finally {
      server.destroy();
    }
  }

  // ---------------------------------------------------------------- the role

  /**
   * The ClusterRole grants exactly what kipvs asks of the API server: the daemon's own API code
   * (its component's cluster watch: the informers on Services, EndpointSlices and this Node, as the
   * daemon wires them from the DaemonSet's args and kubeadm's kubeconfig) runs against fabric8's
   * mock API server through its first list and a change; every request it made must be granted, and
   * every grant must have been used.
   */
  @Test
  void clusterRoleGrantsExactlyTheCallsOfARun() throws Exception {
    List<HasMetadata> objects = build(DEPLOY);
    Set<ApiCall> granted = granted(one(objects, ClusterRole.class));
    Set<ApiCall> used = new TreeSet<>();
    KubernetesMockServer server = crudServer();
    try (KubernetesClient admin = server.createClient()) {
      admin
          .nodes()
          .resource(new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().build())
          .create();
      admin.services().inNamespace("web").resource(service("front", "10.96.0.10")).create();
      admin
          .discovery()
          .v1()
          .endpointSlices()
          .inNamespace("web")
          .resource(
              new EndpointSliceBuilder()
                  .withNewMetadata()
                  .withName("front-1")
                  .withNamespace("web")
                  .addToLabels("kubernetes.io/service-name", "front")
                  .endMetadata()
                  .withAddressType("IPv4")
                  .addNewEndpoint()
                  .withAddresses("10.244.1.5")
                  .endEndpoint()
                  .addNewPort()
                  .withPort(8080)
                  .withProtocol("TCP")
                  .endPort()
                  .build())
          .create();

      String url = "http://127.0.0.1:" + server.getPort();
      PodView pod = new PodView(daemonSet(objects), kubeadm(), Map.of(API_SERVER, url));
      DaemonComponent component = DaggerDaemonComponent.factory().create(parse(pod.args()));
      ClusterWatch watch = component.clusterWatch();
      try {
        watch.start();
        assertThat(watch.awaitSynced(DEADLINE)).isTrue();
        admin.services().inNamespace("web").resource(service("back", "10.96.0.11")).create();
        awaitPorts(watch, new ServiceName("web", "back"));
        // kipvs explain asks the API server about services the informers never received.
        assertThat(watch.explain(new ServiceName("web", "absent"))).isEmpty();
        assertThat(watch.explainAll()).isNotEmpty();
        // The daemon's event recorder, as the daemon makes it, records its start event.
        try (NodeEvents events =
            new NodeEvents(component::kubernetesClient, NODE, Clock.systemUTC())) {
          events.record(NodeEvents.Type.NORMAL, "Starting", "StartKubeProxy", "");
          long end = System.nanoTime() + DEADLINE.toNanos();
          while (admin.events().v1().events().inNamespace("default").list().getItems().isEmpty()) {
            assertThat(System.nanoTime()).as("the start event in time").isLessThan(end);
            Thread.sleep(20);
          }
        }
      } finally {
        watch.close();
        component.kubernetesClient().close();
      }
      for (RecordedRequest r; (r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null; ) {
        // The daemon's requests carry the service account's token, the test's its own.
        if (("Bearer " + TOKEN).equals(r.getHeader("Authorization"))) {
          used.add(ApiCall.of(r.getMethod(), r.getPath()));
        } else {
          assertThat(r.getHeader("Authorization"))
              .as("%s %s", r.getMethod(), r.getPath())
              .isEqualTo("Bearer " + admin.getConfiguration().getOauthToken());
        }
      }
    } finally {
      server.destroy();
    }
    assertThat(used).as("the daemon's requests").isNotEmpty();
    assertThat(granted).as("granted: every call of the run").containsAll(used);
    assertThat(used).as("used in the run: every grant of the ClusterRole").containsAll(granted);
  }

  private static Service service(String name, String clusterIp) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("web")
        .endMetadata()
        .withNewSpec()
        .withType("ClusterIP")
        .withClusterIP(clusterIp)
        .withClusterIPs(clusterIp)
        .addNewPort()
        .withPort(80)
        .withProtocol("TCP")
        .withNewTargetPort(8080)
        .endPort()
        .endSpec()
        .build();
  }

  private static void awaitPorts(ClusterWatch watch, ServiceName name) throws InterruptedException {
    long end = System.nanoTime() + DEADLINE.toNanos();
    while (watch.snapshot().portsOf(name).isEmpty()) {
      assertThat(System.nanoTime()).as("%s seen by the watch in time", name).isLessThan(end);
      Thread.sleep(20);
    }
  }

  /** One request as RBAC sees it: API group, resource (with subresource), verb. */
  record ApiCall(String group, String resource, String verb) implements Comparable<ApiCall> {
    static ApiCall of(String method, String target) {
      int query = target.indexOf('?');
      String path = query < 0 ? target : target.substring(0, query);
      Map<String, String> params = new HashMap<>();
      if (query >= 0) {
        for (String p : target.substring(query + 1).split("&")) {
          int eq = p.indexOf('=');
          params.put(
              URLDecoder.decode(eq < 0 ? p : p.substring(0, eq), StandardCharsets.UTF_8),
              eq < 0 ? "" : URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
      List<String> parts = new ArrayList<>(List.of(path.substring(1).split("/")));
      String group;
      if (parts.get(0).equals("api")) {
        group = "";
        parts = parts.subList(2, parts.size());
      } else if (parts.get(0).equals("apis")) {
        group = parts.get(1);
        parts = parts.subList(3, parts.size());
      } else {
        throw new AssertionError("not a resource request: " + method + " " + target);
      }
      if (parts.size() >= 3 && parts.get(0).equals("namespaces")) {
        parts = parts.subList(2, parts.size());
      }
      String resource = parts.get(0) + (parts.size() > 2 ? "/" + parts.get(2) : "");
      boolean named = parts.size() > 1;
      boolean watch = Set.of("true", "1").contains(params.getOrDefault("watch", ""));
      String verb =
          switch (method) {
            case "GET" -> named ? "get" : watch ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> throw new AssertionError("unexpected method " + method + " " + target);
          };
      return new ApiCall(group, resource, verb);
    }

    @Override
    public int compareTo(ApiCall o) {
      return toString().compareTo(o.toString());
    }
  }

  private static Set<ApiCall> granted(ClusterRole role) {
    Set<ApiCall> out = new TreeSet<>();
    for (PolicyRule rule : role.getRules()) {
      assertThat(rule.getResourceNames()).as("resourceNames").isEmpty();
      assertThat(rule.getNonResourceURLs()).as("nonResourceURLs").isEmpty();
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          for (String verb : rule.getVerbs()) {
            assertThat(List.of(group, resource, verb)).doesNotContain("*");
            assertThat(out.add(new ApiCall(group, resource, verb)))
                .as("granted once: %s %s %s", group, resource, verb)
                .isTrue();
          }
        }
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- image and memory

  /** The DaemonSet names the image the documented build command tags. */
  @Test
  void imageIsWhatTheDocumentedBuildTags() throws IOException {
    String image =
        daemonSet(build(DEPLOY))
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getImage();
    Pattern build = Pattern.compile("docker build -t (\\S+) \\.");
    Set<String> documented = new LinkedHashSet<>();
    for (String file : List.of("README.md", "daemon/README.md", "deploy/README.md", "Dockerfile")) {
      Path path = REPOSITORY.resolve(file);
      if (Files.exists(path)) {
        Matcher m = build.matcher(Files.readString(path));
        while (m.find()) {
          documented.add(m.group(1));
        }
      }
    }
    assertThat(documented).as("tags of the documented build commands").containsExactly(image);
  }

  /**
   * Memory: the request covers the RSS measured after the full sync at 10,000 services (every run
   * in BENCHMARKS.md) with 20 % to spare; the limit is above what the JVM can reach (its maximum
   * heap from jvm.options plus 256 MiB for class metadata, compiled code, the class-data archive,
   * threads and the programs kipvs runs), so that the JVM's own limits act before the kernel's OOM
   * killer.
   */
  @Test
  void memoryFromTheMeasuredRssAndTheJvmsCeiling() throws IOException {
    var resources =
        daemonSet(build(DEPLOY))
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getResources();
    long request = Quantity.getAmountInBytes(resources.getRequests().get("memory")).longValue();
    long limit = Quantity.getAmountInBytes(resources.getLimits().get("memory")).longValue();
    Matcher rss =
        Pattern.compile(
                "\\| \\*\\*RSS after the full sync\\*\\* \\| \\*\\*\\d+ MB\\*\\* \\| \\*\\*(\\d+) MB\\*\\* \\|")
            .matcher(Files.readString(REPOSITORY.resolve("BENCHMARKS.md")));
    long measured = 0;
    int runs = 0;
    while (rss.find()) {
      measured = Math.max(measured, Long.parseLong(rss.group(1)) * 1_000_000);
      runs++;
    }
    assertThat(runs).as("runs at 10,000 services in BENCHMARKS.md").isPositive();
    assertThat(BigDecimal.valueOf(request))
        .isGreaterThanOrEqualTo(BigDecimal.valueOf(measured * 12 / 10));
    String options;
    try (InputStream in =
        DeployManifestsTest.class.getResourceAsStream("/io/kipvs/daemon/jvm.options")) {
      options = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Matcher xmx = Pattern.compile("(?m)^-Xmx(\\d+)m$").matcher(options);
    assertThat(xmx.find()).as("-Xmx in jvm.options").isTrue();
    long heap = Long.parseLong(xmx.group(1)) << 20;
    assertThat(limit).isGreaterThanOrEqualTo(heap + (256L << 20));
    assertThat(limit).isGreaterThan(request);
  }

  // ---------------------------------------------------------------- kustomize, as far as used

  private static JsonNode kustomization(Path root) throws IOException {
    return YAML.readTree(root.resolve("kustomization.yaml").toFile());
  }

  /**
   * The objects of a kustomization: its resources (files or folders, recursively) with its JSON
   * patches applied. Generators are the tests' business (the overlay's needs the user's file).
   */
  private static List<HasMetadata> build(Path root) throws IOException {
    JsonNode k = kustomization(root);
    assertThat(k.path("kind").asText()).isEqualTo("Kustomization");
    List<HasMetadata> objects = new ArrayList<>();
    for (JsonNode r : k.path("resources")) {
      Path p = root.resolve(r.asText()).normalize();
      if (Files.isDirectory(p)) {
        objects.addAll(build(p));
      } else {
        objects.addAll(documents(Files.readString(p)));
      }
    }
    for (JsonNode patch : k.path("patches")) {
      String kind = patch.path("target").path("kind").asText();
      String name = patch.path("target").path("name").asText();
      List<HasMetadata> targets =
          objects.stream()
              .filter(o -> o.getKind().equals(kind) && o.getMetadata().getName().equals(name))
              .toList();
      assertThat(targets).as("target of a patch: %s/%s", kind, name).hasSize(1);
      HasMetadata target = targets.get(0);
      JsonNode tree = YAML.readTree(SERIALIZATION.asJson(target));
      ArrayNode ops = (ArrayNode) YAML.readTree(patch.path("patch").asText());
      ArrayNode rest = YAML.createArrayNode();
      for (JsonNode op : ops) {
        if (op.path("op").asText().equals("test")) {
          assertThat(tree.at(op.path("path").asText()))
              .as("test %s", op)
              .isEqualTo(op.path("value"));
        } else {
          rest.add(op);
        }
      }
      HasMetadata patched = SERIALIZATION.unmarshal(JsonPatch.apply(rest, tree).toString());
      objects.replaceAll(o -> o == target ? patched : o);
    }
    return objects;
  }

  private static List<HasMetadata> documents(String text) throws IOException {
    List<HasMetadata> out = new ArrayList<>();
    for (JsonNode doc :
        YAML.readerFor(JsonNode.class).readValues(text).readAll().stream()
            .map(JsonNode.class::cast)
            .toList()) {
      if (doc != null && !doc.isNull() && !doc.isEmpty()) {
        out.add(SERIALIZATION.unmarshal(doc.toString()));
      }
    }
    return out;
  }

  private static List<HasMetadata> kubeadm() throws IOException {
    try (InputStream in = DeployManifestsTest.class.getResourceAsStream(KUBEADM)) {
      return documents(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
    List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(found).as("one %s", type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  private static DaemonSet daemonSet(List<HasMetadata> objects) {
    return one(objects, DaemonSet.class);
  }

  private static DaemonConfig parse(List<String> args) {
    CommandLineResult result =
        new CommandLineParser(() -> "host-name-not-node-name").parse(args.toArray(String[]::new));
    assertThat(result).isInstanceOf(CommandLineResult.Start.class);
    return ((CommandLineResult.Start) result).config();
  }

  private static KubernetesMockServer crudServer() {
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    return server;
  }

  /**
   * What the DaemonSet's container sees, laid out under the test's folder: each ConfigMap volume's
   * keys as files, the service account's token and CA, and the command line with the container's
   * variables expanded as the kubelet expands them. Paths of the container (and addresses given)
   * are translated to the host's in the files and the args.
   */
  private final class PodView {
    private final Map<String, String> translations = new LinkedHashMap<>();
    private final Container container;
    private final List<HasMetadata> cluster;

    PodView(DaemonSet daemonSet, List<HasMetadata> cluster, Map<String, String> addresses)
        throws IOException {
      PodSpec spec = daemonSet.getSpec().getTemplate().getSpec();
      container = spec.getContainers().get(0);
      Path account = Files.createDirectories(dir.resolve("serviceaccount"));
      Files.writeString(account.resolve("token"), TOKEN);
      Files.writeString(account.resolve("ca.crt"), someCertificate());
      translations.put(SERVICE_ACCOUNT_DIR, account.toString());
      translations.putAll(addresses);
      Map<Path, Map<String, String>> files = new LinkedHashMap<>();
      for (VolumeMount mount : container.getVolumeMounts()) {
        Volume volume =
            spec.getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + mount.getName()));
        if (volume.getConfigMap() == null) {
          continue;
        }
        ConfigMap map = configMap(cluster, volume.getConfigMap().getName());
        Path folder = Files.createDirectories(dir.resolve("volumes").resolve(volume.getName()));
        translations.put(mount.getMountPath(), folder.toString());
        files.put(folder, map.getData());
      }
      for (var e : files.entrySet()) {
        for (var key : e.getValue().entrySet()) {
          Files.writeString(e.getKey().resolve(key.getKey()), translate(key.getValue()));
        }
      }
      this.cluster = cluster;
    }

    String onHost(String containerPath) {
      return translate(containerPath);
    }

    private String translate(String text) {
      String out = text;
      for (var t : translations.entrySet()) {
        out = out.replace(t.getKey(), t.getValue());
      }
      return out;
    }

    /** The args with $(VAR) expanded from the container's env, as the kubelet does. */
    List<String> args() {
      Map<String, String> env = new LinkedHashMap<>();
      for (EnvVar var : container.getEnv()) {
        env.put(var.getName(), value(var));
      }
      List<String> out = new ArrayList<>();
      for (String arg : container.getArgs()) {
        Matcher m = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(arg);
        StringBuilder expanded = new StringBuilder();
        while (m.find()) {
          String v = env.get(m.group(1));
          assertThat(v).as("variable %s of arg %s", m.group(1), arg).isNotNull();
          m.appendReplacement(expanded, Matcher.quoteReplacement(v));
        }
        m.appendTail(expanded);
        out.add(translate(expanded.toString()));
      }
      return out;
    }

    private String value(EnvVar var) {
      if (var.getValue() != null) {
        return var.getValue();
      }
      var from = var.getValueFrom();
      if (from.getFieldRef() != null) {
        assertThat(from.getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
        return NODE;
      }
      if (from.getConfigMapKeyRef() != null) {
        String v =
            configMap(cluster, from.getConfigMapKeyRef().getName())
                .getData()
                .get(from.getConfigMapKeyRef().getKey());
        assertThat(v).as("key %s", from.getConfigMapKeyRef().getKey()).isNotNull();
        return v;
      }
      throw new AssertionError("unexpected env source " + from);
    }
  }

  private static ConfigMap configMap(List<HasMetadata> cluster, String name) {
    return cluster.stream()
        .filter(o -> o instanceof ConfigMap && o.getMetadata().getName().equals(name))
        .map(ConfigMap.class::cast)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no ConfigMap " + name));
  }

  /** A real certificate in PEM (the CA file must parse; the test's server speaks plain HTTP). */
  private static String someCertificate() {
    try (InputStream in =
        Files.newInputStream(
            Path.of(System.getProperty("java.home"), "lib", "security", "cacerts"))) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(in, null);
      Certificate c = store.getCertificate(store.aliases().nextElement());
      return "-----BEGIN CERTIFICATE-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
              .encodeToString(c.getEncoded())
          + "\n-----END CERTIFICATE-----\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
