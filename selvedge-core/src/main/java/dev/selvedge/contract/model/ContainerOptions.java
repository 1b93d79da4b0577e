package dev.selvedge.contract.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The container settings of a service that Selvedge passes to the engine as written and does not
 * reason about beyond policy checks. Null or empty means "not set".
 */
public record ContainerOptions(
    String containerName,
    String hostname,
    String domainname,
    String user,
    String workingDir,
    String stopSignal,
    Duration stopGracePeriod,
    String platform,
    String runtime,
    String pid,
    String ipc,
    boolean privileged,
    boolean readOnly,
    Boolean init,
    boolean stdinOpen,
    boolean tty,
    List<String> capAdd,
    List<String> capDrop,
    List<String> dns,
    List<String> dnsSearch,
    List<String> dnsOpt,
    List<String> securityOpt,
    List<String> devices,
    List<String> extraHosts,
    List<String> tmpfs,
    List<String> groupAdd,
    Map<String, String> sysctls,
    Map<String, Ulimit> ulimits,
    Long memLimit,
    String cpus,
    Long shmSize,
    String pullPolicy,
    Map<String, String> annotations) {

  public static final ContainerOptions NONE = builder().build();

  public ContainerOptions {
    capAdd = list(capAdd);
    capDrop = list(capDrop);
    dns = list(dns);
    dnsSearch = list(dnsSearch);
    dnsOpt = list(dnsOpt);
    securityOpt = list(securityOpt);
    devices = list(devices);
    extraHosts = list(extraHosts);
    tmpfs = list(tmpfs);
    groupAdd = list(groupAdd);
    sysctls = Maps.copy(sysctls);
    ulimits = Maps.copy(ulimits);
    annotations = Maps.copy(annotations);
  }

  private static List<String> list(List<String> in) {
    return in == null ? List.of() : List.copyOf(in);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Mutable builder used by the loader and by tests. */
  public static final class Builder {
    public String containerName;
    public String hostname;
    public String domainname;
    public String user;
    public String workingDir;
    public String stopSignal;
    public Duration stopGracePeriod;
    public String platform;
    public String runtime;
    public String pid;
    public String ipc;
    public boolean privileged;
    public boolean readOnly;
    public Boolean init;
    public boolean stdinOpen;
    public boolean tty;
    public List<String> capAdd;
    public List<String> capDrop;
    public List<String> dns;
    public List<String> dnsSearch;
    public List<String> dnsOpt;
    public List<String> securityOpt;
    public List<String> devices;
    public List<String> extraHosts;
    public List<String> tmpfs;
    public List<String> groupAdd;
    public Map<String, String> sysctls;
    public Map<String, Ulimit> ulimits;
    public Long memLimit;
    public String cpus;
    public Long shmSize;
    public String pullPolicy;
    public Map<String, String> annotations;

    public ContainerOptions build() {
      return new ContainerOptions(
          containerName,
          hostname,
          domainname,
          user,
          workingDir,
          stopSignal,
          stopGracePeriod,
          platform,
          runtime,
          pid,
          ipc,
          privileged,
          readOnly,
          init,
          stdinOpen,
          tty,
          capAdd,
          capDrop,
          dns,
          dnsSearch,
          dnsOpt,
          securityOpt,
          devices,
          extraHosts,
          tmpfs,
          groupAdd,
          sysctls,
          ulimits,
          memLimit,
          cpus,
          shmSize,
          pullPolicy,
          annotations);
    }
  }
}
