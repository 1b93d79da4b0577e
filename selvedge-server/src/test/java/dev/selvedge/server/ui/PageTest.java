package dev.selvedge.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PageTest {
  @Test
  void timesAreShownToTheSecondAndAnythingElseAsItIs() {
    assertThat(Page.shownTime("2026-12-04T23:50:38.962129335Z")).isEqualTo("2026-12-04T23:50:38Z");
    assertThat(Page.shownTime("2026-12-04T23:50:38Z")).isEqualTo("2026-12-04T23:50:38Z");
    assertThat(Page.shownTime("10m ago")).isEqualTo("10m ago");
  }
}
