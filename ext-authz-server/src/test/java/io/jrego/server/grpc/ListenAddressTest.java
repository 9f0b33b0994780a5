package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ListenAddressTest {

  @Test
  void parse_acceptsTheFormsOpaEnvoyUsersWrite() {
    assertThat(ListenAddress.parse(":9191")).isEqualTo(new ListenAddress.Tcp("", 9191));
    assertThat(ListenAddress.parse("127.0.0.1:9191"))
        .isEqualTo(new ListenAddress.Tcp("127.0.0.1", 9191));
    assertThat(ListenAddress.parse("grpc://localhost:9191"))
        .isEqualTo(new ListenAddress.Tcp("localhost", 9191));
    assertThat(ListenAddress.parse("[::1]:9191")).isEqualTo(new ListenAddress.Tcp("::1", 9191));
    assertThat(ListenAddress.parse("unix:///tmp/jrego.sock"))
        .isEqualTo(new ListenAddress.Unix(Path.of("/tmp/jrego.sock")));
  }

  @Test
  void parse_rejectsBadAddresses() {
    assertThatThrownBy(() -> ListenAddress.parse("9191"))
        .hasMessageContaining("expected host:port");
    assertThatThrownBy(() -> ListenAddress.parse(":x")).hasMessageContaining("bad port");
    assertThatThrownBy(() -> ListenAddress.parse(":70000")).hasMessageContaining("out of range");
    assertThatThrownBy(() -> ListenAddress.parse("unix://"))
        .hasMessageContaining("empty socket path");
  }
}
