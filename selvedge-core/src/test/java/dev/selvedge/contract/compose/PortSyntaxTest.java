package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.selvedge.contract.model.PortConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Cases beyond the conformance data: IPv6, empty published port, range errors. */
class PortSyntaxTest {

  @Test
  void bracketedAndBareIpv6HostIps() {
    assertThat(PortSyntax.parse("[::1]:8080:80"))
        .containsExactly(PortConfig.of("::1", 80, "8080", "tcp"));
    assertThat(PortSyntax.parse("::1:8080:80"))
        .containsExactly(PortConfig.of("::1", 80, "8080", "tcp"));
    assertThat(PortSyntax.parse("[2001:db8::ffff:10.0.0.1]:53:53/UDP"))
        .containsExactly(PortConfig.of("2001:db8::ffff:10.0.0.1", 53, "53", "udp"));
  }

  @Test
  void hostIpWithoutPublishedPort() {
    assertThat(PortSyntax.parse("127.0.0.1::80"))
        .containsExactly(PortConfig.of("127.0.0.1", 80, null, "tcp"));
  }

  @Test
  void containerRangeWithoutHostExpands() {
    assertThat(PortSyntax.parse("8000-8002/sctp"))
        .extracting(PortConfig::target, PortConfig::published, PortConfig::protocol)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(8000, null, "sctp"),
            org.assertj.core.groups.Tuple.tuple(8001, null, "sctp"),
            org.assertj.core.groups.Tuple.tuple(8002, null, "sctp"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "8000-8002:80-81|Invalid ranges specified for container and host Ports: 80-81 and 8000-8002",
        "x:80|Invalid hostPort: x",
        "90-80:80|Invalid hostPort: 90-80",
        "80-|Invalid containerPort: 80-",
        "65536|Invalid containerPort: 65536",
        "[::1:80:80|Invalid ip address: [::1",
        "1.2.3.04:80:80|Invalid ip address: 1.2.3.04",
        "1:2:3:4:5:6:7:8:9:80:80|Invalid ip address: 1:2:3:4:5:6:7:8:9",
        "8080:|No port specified: 8080:<empty>",
      })
  void rejects(String spec, String message) {
    assertThatThrownBy(() -> PortSyntax.parse(spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void tryParseAllKeepsOrderOrGivesUp() {
    assertThat(PortSyntax.tryParseAll(List.of("80", "81:81")).orElseThrow())
        .extracting(PortConfig::target)
        .containsExactly(80, 81);
    assertThat(PortSyntax.tryParseAll(List.of("80", "${P}:81"))).isEmpty();
  }
}
