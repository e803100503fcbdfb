package io.lttricks.platform.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalDouble;

/** Reads Prometheus' text exposition, as a scrape of {@code /metrics} returns it, for tests. */
public final class Exposition {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Exposition() {
    }

    /** The body of {@code GET url}; fails unless the answer is 200 in the text format. */
    public static String scrape(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 || !r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain")) {
            throw new IOException("GET " + url + ": " + r.statusCode() + " " + r.headers().map());
        }
        return r.body();
    }

    /**
     * The value of the first sample named {@code name} whose labels include {@code labels}; empty
     * when there is none.
     */
    public static OptionalDouble value(String text, String name, Map<String, String> labels) {
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name)) {
                continue;
            }
            String rest = line.substring(name.length());
            if (!(rest.startsWith("{") || rest.startsWith(" "))) {
                continue;   // another name with this one as its prefix
            }
            int end = rest.startsWith("{") ? rest.indexOf("} ") : 0;
            String labelText = rest.substring(0, end + 1);
            if (labels.entrySet().stream().allMatch(l -> labelText.contains(l.getKey() + "=\"" + l.getValue() + "\""))) {
                return OptionalDouble.of(Double.parseDouble(rest.substring(end + 1).trim().split(" ")[0]));
            }
        }
        return OptionalDouble.empty();
    }
}
