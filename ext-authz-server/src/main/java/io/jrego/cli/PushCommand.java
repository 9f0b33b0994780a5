package io.jrego.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jrego push}: uploads a built bundle with an HTTP {@code PUT} to the URL a bundle server
 * serves it from (an nginx/S3-style store, or anything accepting {@code PUT}), optionally with a
 * bearer token.
 */
@Command(
    name = "push",
    mixinStandardHelpOptions = true,
    description = "PUT a bundle .tar.gz to an HTTP(S) URL.")
public final class PushCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "BUNDLE", description = "the .tar.gz to upload")
  Path bundle;

  @Parameters(index = "1", paramLabel = "URL", description = "where to PUT it")
  URI url;

  @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token.")
  String token;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description = "File holding the bearer token (keeps it out of the process list).")
  Path tokenFile;

  @Option(
      names = "--timeout",
      defaultValue = "30s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Give up after this long.")
  Duration timeout;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    String scheme = url.getScheme() == null ? "" : url.getScheme();
    if (!scheme.equals("http") && !scheme.equals("https")) {
      err.println("jrego push: " + url + ": only http and https URLs are supported");
      return 2;
    }
    try {
      String bearer =
          tokenFile != null ? Files.readString(tokenFile, StandardCharsets.UTF_8).strip() : token;
      HttpRequest.Builder req =
          HttpRequest.newBuilder(url)
              .timeout(timeout)
              .header("Content-Type", "application/gzip")
              .PUT(HttpRequest.BodyPublishers.ofFile(bundle));
      if (bearer != null && !bearer.isEmpty()) {
        req.header("Authorization", "Bearer " + bearer);
      }
      HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
      HttpResponse<String> resp = client.send(req.build(), HttpResponse.BodyHandlers.ofString());
      if (resp.statusCode() / 100 != 2) {
        err.println(
            "jrego push: " + url + ": HTTP " + resp.statusCode() + " " + resp.body().strip());
        return 1;
      }
      out.println("pushed " + bundle + " to " + url + " (HTTP " + resp.statusCode() + ")");
      return 0;
    } catch (IOException e) {
      err.println("jrego push: " + url + ": " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("jrego push: interrupted");
      return 1;
    }
  }
}
