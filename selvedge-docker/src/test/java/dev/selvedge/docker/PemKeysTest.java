package dev.selvedge.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PemKeysTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "rsa-pkcs1, RSA, SHA256withRSA",
    "rsa-pkcs8, RSA, SHA256withRSA",
    "ec-sec1, EC, SHA256withECDSA",
    "ec-pkcs8, EC, SHA384withECDSA",
    "ed25519-pkcs8, EdDSA, Ed25519"
  })
  void readsTheKeyOpensslWrote(String name, String algorithm, String signature) throws Exception {
    PrivateKey key = PemKeys.read(fixture(name + ".pem"));

    assertThat(key.getAlgorithm()).isEqualTo(algorithm);
    PublicKey pub = publicKey(fixture(name + ".pub.pem"), algorithm);
    byte[] data = "selvedge".getBytes(StandardCharsets.UTF_8);
    Signature signer = Signature.getInstance(signature);
    signer.initSign(key);
    signer.update(data);
    byte[] signed = signer.sign();
    Signature verifier = Signature.getInstance(signature);
    verifier.initVerify(pub);
    verifier.update(data);
    assertThat(verifier.verify(signed)).as("signature checks with openssl's public key").isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"encrypted-pkcs1", "encrypted-pkcs8"})
  void encryptedKeysAreRefusedWithWhatToDo(String name) throws IOException {
    String pem = fixture(name + ".pem");

    assertThatThrownBy(() -> PemKeys.read(pem))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("the key is encrypted")
        .hasMessageContaining("openssl rsa");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "no pem here",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        "-----BEGIN PRIVATE KEY-----\nMIIBVgIBADANBgkqhkiG9w0BAQEFAASCAUAwggE8AgEAAkEA\n-----END PRIVATE KEY-----\n"
      })
  void nonKeysAndTruncatedKeysAreRefused(String pem) {
    assertThatThrownBy(() -> PemKeys.read(pem)).isInstanceOf(IllegalArgumentException.class);
  }

  private static PublicKey publicKey(String pem, String algorithm) throws Exception {
    String base64 =
        pem.replace("-----BEGIN PUBLIC KEY-----", "")
            .replace("-----END PUBLIC KEY-----", "")
            .replaceAll("\\s", "");
    return KeyFactory.getInstance(algorithm)
        .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }

  static String fixture(String name) throws IOException {
    try (InputStream in = PemKeysTest.class.getResourceAsStream("/pem/" + name)) {
      if (in == null) {
        throw new IOException("missing fixture " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }
}
