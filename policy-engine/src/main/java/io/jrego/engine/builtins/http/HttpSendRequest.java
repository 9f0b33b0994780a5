package io.jrego.engine.builtins.http;

import java.util.Set;

/**
 * What OPA's {@code http.send} accepts in its request object, shared by the builtins that check
 * one.
 */
public final class HttpSendRequest {

  /**
   * The request keys {@code http.send} accepts; {@code providers.aws.sign_req} validates its
   * request against the same list, as OPA does.
   */
  public static final Set<String> KEYS =
      Set.of(
          "method",
          "url",
          "body",
          "enable_redirect",
          "force_json_decode",
          "force_yaml_decode",
          "headers",
          "raw_body",
          "tls_use_system_certs",
          "tls_ca_cert",
          "tls_ca_cert_file",
          "tls_ca_cert_env_variable",
          "tls_client_cert",
          "tls_client_cert_file",
          "tls_client_cert_env_variable",
          "tls_client_key",
          "tls_client_key_file",
          "tls_client_key_env_variable",
          "tls_insecure_skip_verify",
          "tls_server_name",
          "timeout",
          "cache",
          "force_cache",
          "force_cache_duration_seconds",
          "raise_error",
          "caching_mode",
          "max_retry_attempts",
          "cache_ignored_headers");

  private HttpSendRequest() {}
}
