package io.openhqm.plugin.egress.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import java.util.StringJoiner;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs calls with the Standard Webhooks scheme: {@code webhook-id}, {@code webhook-timestamp} (Unix seconds) and
 * {@code webhook-signature}, {@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">} for each secret, separated by
 * spaces (several secrets let receivers rotate keys). Thread-safe.
 */
final class WebhookSigner {
    private static final String HMAC = "HmacSHA256";
    private final List<SecretKeySpec> keys;

    WebhookSigner(List<byte[]> secrets) {
        this.keys = secrets.stream().map(s -> new SecretKeySpec(s, HMAC)).toList();
    }

    /** The value of {@code webhook-signature} for {@code body} sent as message {@code id} at {@code timestamp}. */
    String signature(String id, long timestamp, byte[] body) {
        byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
        StringJoiner signatures = new StringJoiner(" ");
        for (SecretKeySpec key : keys) {
            try {
                Mac mac = Mac.getInstance(HMAC);
                mac.init(key);
                mac.update(prefix);
                signatures.add("v1," + Base64.getEncoder().encodeToString(mac.doFinal(body)));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HMAC-SHA256 is not available", e);
            }
        }
        return signatures.toString();
    }
}
