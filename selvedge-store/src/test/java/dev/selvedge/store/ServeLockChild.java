package dev.selvedge.store;

import dev.selvedge.SelvedgeException;

/** Another process taking the serve lock, for {@link ServeLockTest}: holds it until killed. */
final class ServeLockChild {
  private ServeLockChild() {}

  public static void main(String[] args) throws InterruptedException {
    try {
      ServeLock.acquire(new StoreConfig(args[0], null, null)).orElseThrow();
    } catch (SelvedgeException e) {
      System.out.println(e.getMessage());
      return;
    }
    System.out.println("locked");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE); // until the test kills this process
  }
}
