package dev.selvedge.fleet.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.SelvedgeException;
import java.util.List;
import org.junit.jupiter.api.Test;

class WavesTest {
  @Test
  void aCanaryThenCumulativePercentagesRoundedUp() {
    Waves w = Waves.parse("1,25%,100%");
    assertThat(w.plan(10)).containsExactly(1, 2, 7);
    assertThat(w.plan(200)).containsExactly(1, 49, 150);
    assertThat(w.plan(1)).containsExactly(1);
    assertThat(w.assign(5)).containsExactly(0, 1, 2, 2, 2);
    assertThat(w).hasToString("1,25%,100%");
  }

  @Test
  void wavesThatAddNoNodeAreLeftOut() {
    assertThat(Waves.parse("1,10%,100%").plan(5)).containsExactly(1, 4);
    assertThat(Waves.parse("2,5").plan(3)).containsExactly(2, 1);
    assertThat(Waves.parse(" 1 , 100% ").plan(3)).containsExactly(1, 2);
  }

  @Test
  void badWavesAreRefusedNamingTheEntry() {
    assertThatThrownBy(() -> Waves.parse("1,abc")).hasMessageContaining("'abc'");
    assertThatThrownBy(() -> Waves.parse("0,100%")).hasMessageContaining("at least 1");
    assertThatThrownBy(() -> Waves.parse("1,150%")).hasMessageContaining("over 100%");
    assertThatThrownBy(() -> Waves.parse("50%,25%")).hasMessageContaining("'25%'");
    assertThatThrownBy(() -> Waves.parse("3,2")).hasMessageContaining("'2'");
    assertThatThrownBy(() -> Waves.parse("")).isInstanceOf(SelvedgeException.class);
    assertThatThrownBy(() -> Waves.parse("1,,100%")).hasMessageContaining("''");
    assertThatThrownBy(() -> Waves.parse("-1")).hasMessageContaining("'-1'");
  }

  @Test
  void wavesThatDoNotReachEveryNodeOrGoBackAreRefused() {
    assertThatThrownBy(() -> Waves.parse("1,50%").plan(10))
        .hasMessageContaining("reach 5 of the 10")
        .hasMessageContaining("end with 100%");
    assertThatThrownBy(() -> Waves.parse("8,50%,100%").plan(10))
        .hasMessageContaining("fewer than the 8");
    assertThatThrownBy(() -> Waves.parse("100%").plan(0)).hasMessageContaining("no node");
  }

  @Test
  void wavesGivenOneEntryEachFollowTheSameRulesAndNameNoOption() {
    assertThat(Waves.parse(List.of("1", "25 %", "100%")).entries())
        .containsExactly("1", "25%", "100%");
    assertThat(Waves.parse(List.of("1", "25%", "100%")).plan(10)).containsExactly(1, 2, 7);
    assertThatThrownBy(() -> Waves.parse(List.of("1", "150%"))).hasMessage("'150%' is over 100%");
    assertThatThrownBy(() -> Waves.parse(List.of("canary", "100%")))
        .hasMessage("'canary' is neither a count (3) nor a percentage (25%)");
    assertThatThrownBy(() -> Waves.parse(List.of("50%", "25%")))
        .hasMessageStartingWith("'25%' does not reach further than '50%'");
    assertThatThrownBy(() -> Waves.parse(List.of())).hasMessageContaining("give the waves");
    assertThatThrownBy(() -> Waves.parse("1,150%"))
        .hasMessage("--waves 1,150%: '150%' is over 100%");
  }
}
