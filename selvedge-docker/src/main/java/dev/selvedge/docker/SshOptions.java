package dev.selvedge.docker;

import java.nio.file.Path;
import java.util.List;

/**
 * How to authenticate an {@code ssh://} engine: key files only (no agent, no passwords), and a
 * {@code known_hosts} file the host's key must be in.
 *
 * @param identities private key files to offer, in order; files that do not exist are skipped (the
 *     defaults are {@code ~/.ssh/id_ed25519}, {@code id_ecdsa}, {@code id_rsa})
 * @param knownHosts the OpenSSH {@code known_hosts} file to check the host key against
 * @param acceptNewHostKeys when the host is not in {@code knownHosts} at all, add its key instead
 *     of refusing (OpenSSH's {@code StrictHostKeyChecking=accept-new}); a changed key is always
 *     refused
 */
public record SshOptions(List<Path> identities, Path knownHosts, boolean acceptNewHostKeys) {
  public SshOptions {
    identities = List.copyOf(identities);
    if (knownHosts == null) {
      throw new IllegalArgumentException("knownHosts is required");
    }
  }

  /** OpenSSH's defaults under {@code home}: the usual identity files and known_hosts. */
  public static SshOptions defaults(Path home) {
    Path ssh = home.resolve(".ssh");
    return new SshOptions(
        List.of(ssh.resolve("id_ed25519"), ssh.resolve("id_ecdsa"), ssh.resolve("id_rsa")),
        ssh.resolve("known_hosts"),
        false);
  }

  /** These options with one explicit identity file instead of the defaults. */
  public SshOptions withIdentity(Path identity) {
    return new SshOptions(List.of(identity), knownHosts, acceptNewHostKeys);
  }

  public SshOptions withKnownHosts(Path file) {
    return new SshOptions(identities, file, acceptNewHostKeys);
  }

  public SshOptions withAcceptNewHostKeys(boolean accept) {
    return new SshOptions(identities, knownHosts, accept);
  }
}
