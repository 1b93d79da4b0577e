package dev.selvedge.port;

import dev.selvedge.SelvedgeException;

/**
 * What digest an image tag points to in its registry now, asked of the registry itself (a HEAD of
 * the manifest, never a pull), with the docker CLI's credentials. Auto-update's view of "a new
 * image was pushed". Adapter: {@code dev.selvedge.docker.RegistryClient}.
 */
public interface RegistryDigests {

  /**
   * The manifest digest ({@code sha256:...}) of {@code reference} ({@code registry/name:tag}).
   *
   * @throws Failed saying which registry and why (refused credentials, no such tag, unreachable),
   *     never with a credential in it
   */
  String digest(String reference);

  /** The registry could not answer the digest. */
  final class Failed extends SelvedgeException {
    private static final long serialVersionUID = 1L;

    /** The registry's HTTP status, or 0 when it was not reached. */
    private final int status;

    public Failed(String message, int status) {
      super(message);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }
}
