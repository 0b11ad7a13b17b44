package io.openhqm.plugin.egress.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** A receiver's check of a Standard Webhooks signature, written from the specification, independent of the plugin. */
final class StandardWebhooksVerifier {

    private StandardWebhooksVerifier() {
    }

    static boolean verify(String secret, String id, String timestamp, byte[] body, String signatureHeader)
            throws Exception {
        byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        byte[] signedContent = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
        byte[] whole = new byte[signedContent.length + body.length];
        System.arraycopy(signedContent, 0, whole, 0, signedContent.length);
        System.arraycopy(body, 0, whole, signedContent.length, body.length);
        byte[] expected = mac.doFinal(whole);
        for (String versioned : signatureHeader.split(" ")) {
            String[] parts = versioned.split(",", 2);
            if (parts.length == 2 && parts[0].equals("v1")
                    && MessageDigest.isEqual(expected, Base64.getDecoder().decode(parts[1]))) {
                return true;
            }
        }
        return false;
    }
}
