package dev.eksaudit.bridge.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Item 3: what the original Go bridge did, one POST per event: decode an object, then send each
 * event as its own request body, one after the other on a keep-alive connection, to the same
 * receiver. Runs until every object is done or the time budget is spent.
 */
final class PerEventPost {
    long events;
    long eventBytes;
    double seconds;

    double eventsPerSecond() {
        return events / seconds;
    }

    static PerEventPost run(Corpus corpus, CountingReceiver rx, Duration budget) throws IOException, InterruptedException {
        rx.reset();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        URI url = rx.url();
        PerEventPost r = new PerEventPost();
        ReferenceDecode decoder = new ReferenceDecode();
        long t0 = System.nanoTime();
        long deadline = t0 + budget.toNanos();
        IOException[] failure = new IOException[1];
        for (Path file : corpus.files) {
            if (System.nanoTime() > deadline) {
                break;
            }
            decoder.decodeObject(Files.readAllBytes(file), json -> {
                try {
                    HttpResponse<Void> response = client.send(HttpRequest.newBuilder(url)
                                    .timeout(Duration.ofSeconds(10))
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (response.statusCode() != 200) {
                        throw new IOException("status " + response.statusCode());
                    }
                } catch (IOException e) {
                    failure[0] = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            if (failure[0] != null) {
                throw failure[0];
            }
        }
        r.seconds = (System.nanoTime() - t0) / 1e9;
        r.events = rx.events.get();
        r.eventBytes = decoder.eventBytes;
        return r;
    }
}
