package dev.selvedge.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PollerLimitTest {

  @Test
  void aSmallerLimitTakesEffectAsSweepsUnderWayGiveTheirPermitsBack() throws Exception {
    Poller.Limit limit = new Poller.Limit(2);
    limit.acquire();
    limit.acquire();
    limit.resize(1);
    assertThat(limit.tryAcquire()).as("no third sweep while two run").isFalse();
    limit.release();
    assertThat(limit.tryAcquire()).as("the new limit of one is already full").isFalse();
    limit.release();
    assertThat(limit.availablePermits()).isEqualTo(1);
  }

  @Test
  void aLargerLimitLetsMoreSweepsStartAtOnce() throws Exception {
    Poller.Limit limit = new Poller.Limit(1);
    limit.acquire();
    limit.resize(3);
    assertThat(limit.tryAcquire()).isTrue();
    assertThat(limit.tryAcquire()).isTrue();
    assertThat(limit.tryAcquire()).isFalse();
  }
}
