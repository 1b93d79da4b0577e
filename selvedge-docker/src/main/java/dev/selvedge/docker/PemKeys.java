package dev.selvedge.docker;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Private keys from PEM text with JDK classes only: PKCS#8 ({@code BEGIN PRIVATE KEY}: RSA, EC,
 * Ed25519), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, what {@code openssl genrsa} wrote before OpenSSL
 * 3) and SEC1 ({@code BEGIN EC PRIVATE KEY}). The last two are rewrapped as PKCS#8, which the JDK's
 * key factories read.
 */
final class PemKeys {
  private static final Pattern BLOCK =
      Pattern.compile(
          "-----BEGIN ([A-Z0-9 ]+)-----\\s*(?:[A-Za-z-]+:[^\\n]*\\n)*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

  private static final byte[] OID_RSA = {
    0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01
  };
  private static final byte[] OID_EC = {
    0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01
  };
  private static final byte[] DER_NULL = {0x05, 0x00};
  private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

  private PemKeys() {}

  /**
   * The first private key in {@code pem}.
   *
   * @throws IllegalArgumentException saying what is wrong, for a message naming the file
   */
  static PrivateKey read(String pem) {
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      String type = m.group(1);
      if (!type.endsWith("PRIVATE KEY")) {
        continue; // e.g. the "EC PARAMETERS" block openssl ecparam writes first
      }
      byte[] der;
      try {
        der = Base64.getMimeDecoder().decode(m.group(2));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the " + type + " block is not valid base64");
      }
      if (m.group(0).contains("Proc-Type:") || type.equals("ENCRYPTED PRIVATE KEY")) {
        throw new IllegalArgumentException(
            "the key is encrypted; Docker's TLS files hold unencrypted keys (openssl rsa -in"
                + " key.pem -out key.pem decrypts it)");
      }
      return switch (type) {
        case "PRIVATE KEY" -> pkcs8(der);
        case "RSA PRIVATE KEY" -> generate("RSA", privateKeyInfo(concat(OID_RSA, DER_NULL), der));
        case "EC PRIVATE KEY" -> generate("EC", privateKeyInfo(ecCurve(der), der));
        default -> throw new IllegalArgumentException("unsupported key type " + type);
      };
    }
    throw new IllegalArgumentException("no PEM private key block found");
  }

  private static PrivateKey pkcs8(byte[] der) {
    // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier { algorithm OID, ... }, key }
    Der info = Der.at(der, 0).expect(0x30);
    Der version = Der.at(der, info.contentStart()).expect(0x02);
    Der algorithm = Der.at(der, version.end()).expect(0x30);
    Der oid = Der.at(der, algorithm.contentStart()).expect(0x06);
    byte[] oidTlv = Arrays.copyOfRange(der, oid.start(), oid.end());
    String name;
    if (Arrays.equals(oidTlv, OID_RSA)) {
      name = "RSA";
    } else if (Arrays.equals(oidTlv, OID_EC)) {
      name = "EC";
    } else if (Arrays.equals(oidTlv, new byte[] {0x06, 0x03, 0x2b, 0x65, 0x70})) {
      name = "Ed25519";
    } else {
      throw new IllegalArgumentException("unsupported key algorithm in PKCS#8 key");
    }
    return generate(name, der);
  }

  /** SEC1 ECPrivateKey ::= SEQUENCE { 1, privateKey, [0] curve OID, [1] publicKey }. */
  private static byte[] ecCurve(byte[] sec1) {
    Der key = Der.at(sec1, 0).expect(0x30);
    int at = key.contentStart();
    while (at < key.end()) {
      Der field = Der.at(sec1, at);
      if (field.tag() == 0xa0) {
        Der curve = Der.at(sec1, field.contentStart()).expect(0x06);
        return concat(OID_EC, Arrays.copyOfRange(sec1, curve.start(), curve.end()));
      }
      at = field.end();
    }
    throw new IllegalArgumentException("the EC key does not name its curve");
  }

  private static byte[] privateKeyInfo(byte[] algorithmContent, byte[] key) {
    return Der.tlv(0x30, concat(VERSION_0, Der.tlv(0x30, algorithmContent), Der.tlv(0x04, key)));
  }

  private static PrivateKey generate(String algorithm, byte[] pkcs8) {
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a valid " + algorithm + " key: " + e.getMessage());
    }
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** One DER element: where it starts, its tag, where its content starts and where it ends. */
  record Der(int start, int tag, int contentStart, int end) {
    static Der at(byte[] der, int start) {
      if (start + 2 > der.length) {
        throw new IllegalArgumentException("truncated key");
      }
      int tag = der[start] & 0xff;
      int length = der[start + 1] & 0xff;
      int content = start + 2;
      if (length > 0x80) {
        int bytes = length & 0x7f;
        if (bytes > 3 || content + bytes > der.length) {
          throw new IllegalArgumentException("malformed key");
        }
        length = 0;
        for (int i = 0; i < bytes; i++) {
          length = (length << 8) | (der[content + i] & 0xff);
        }
        content += bytes;
      } else if (length == 0x80) {
        throw new IllegalArgumentException("malformed key");
      }
      if (content + length > der.length) {
        throw new IllegalArgumentException("truncated key");
      }
      return new Der(start, tag, content, content + length);
    }

    Der expect(int expectedTag) {
      if (tag != expectedTag) {
        throw new IllegalArgumentException("malformed key");
      }
      return this;
    }

    static byte[] tlv(int tag, byte[] content) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(tag);
      int n = content.length;
      if (n < 0x80) {
        out.write(n);
      } else if (n < 0x100) {
        out.write(0x81);
        out.write(n);
      } else if (n < 0x10000) {
        out.write(0x82);
        out.write(n >> 8);
        out.write(n);
      } else {
        out.write(0x83);
        out.write(n >> 16);
        out.write(n >> 8);
        out.write(n);
      }
      out.writeBytes(content);
      return out.toByteArray();
    }
  }
}
