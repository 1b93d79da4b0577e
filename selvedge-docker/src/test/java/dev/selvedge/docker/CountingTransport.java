package dev.selvedge.docker;

import dev.selvedge.port.RemoteHost;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** A transport that counts the connections it opens: keep-alive shows as a count that stays put. */
final class CountingTransport implements Transport {
  private final Transport delegate;
  private final AtomicInteger opened = new AtomicInteger();

  CountingTransport(Transport delegate) {
    this.delegate = delegate;
  }

  int opened() {
    return opened.get();
  }

  Transport delegate() {
    return delegate;
  }

  @Override
  public String endpoint() {
    return delegate.endpoint();
  }

  @Override
  public Connection open(Duration timeout) {
    Connection c = delegate.open(timeout);
    opened.incrementAndGet();
    return c;
  }

  @Override
  public boolean preferReuse() {
    return delegate.preferReuse();
  }

  @Override
  public Optional<RemoteHost> remoteHost() {
    return delegate.remoteHost();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
