//! RS256 JSON Web Tokens for the OpenID Connect provider: one RSA key per process (generated
//! on first use with the `rsa` crate, then signing and verifying with `ring`), its JWKS, and
//! compact-form encode/decode. Nothing here is ever written to disk.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, RsaKeyPair};
use serde_json::{json, Map, Value};
use std::sync::{Arc, OnceLock};

/// The signing key: an RSA-2048 key pair, its `kid`, and its public parts for the JWKS.
pub struct SigningKey {
    pair: RsaKeyPair,
    pub kid: String,
    n: Vec<u8>,
    e: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish()
    }
}

static PROCESS_KEY: OnceLock<Arc<SigningKey>> = OnceLock::new();

impl SigningKey {
    /// Generates a fresh RSA-2048 key (slow in unoptimised builds: prefer [`SigningKey::shared`]).
    pub fn generate() -> Self {
        use rsa::pkcs8::EncodePrivateKey;
        use rsa::traits::PublicKeyParts;
        let private = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048)
            .expect("RSA key generation succeeds");
        let der = private
            .to_pkcs8_der()
            .expect("PKCS#8 encoding of a fresh RSA key");
        let pair =
            RsaKeyPair::from_pkcs8(der.as_bytes()).expect("ring accepts the fresh RSA-2048 key");
        let n = private.n().to_bytes_be();
        let e = private.e().to_bytes_be();
        let digest = ring::digest::digest(&ring::digest::SHA256, pair.public().as_ref());
        let kid = URL_SAFE_NO_PAD.encode(&digest.as_ref()[..12]);
        Self { pair, kid, n, e }
    }

    /// The process-wide key, generated on first use (every emulator in one process shares it).
    pub fn shared() -> Arc<SigningKey> {
        PROCESS_KEY
            .get_or_init(|| Arc::new(SigningKey::generate()))
            .clone()
    }

    /// The JWKS document (`{"keys":[{kty,use,alg,kid,n,e}]}`).
    pub fn jwks(&self) -> Value {
        json!({"keys": [{
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(&self.n),
            "e": URL_SAFE_NO_PAD.encode(&self.e),
        }]})
    }

    /// Signs `claims` as a compact RS256 JWT with our `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": self.kid});
        let mut out = String::new();
        out.push_str(&URL_SAFE_NO_PAD.encode(header.to_string()));
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut sig = vec![0u8; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                out.as_bytes(),
                &mut sig,
            )
            .expect("RS256 signing");
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(sig));
        out
    }

    /// Checks the form, `alg`, `kid` and signature of a compact JWT; returns its claims.
    pub fn verify(&self, token: &str) -> Result<Map<String, Value>, &'static str> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("IDX14100: JWT is not well formed.");
        };
        let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).ok();
        let header: Value = decode(h)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("IDX14100: JWT is not well formed.")?;
        if header["alg"] != "RS256" {
            return Err("IDX10511: Signature validation failed (unsupported alg).");
        }
        if header["kid"] != self.kid.as_str() {
            return Err("IDX10503: Signature validation failed. The token's kid is unknown.");
        }
        let sig = decode(s).ok_or("IDX14100: JWT is not well formed.")?;
        let public = signature::UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            self.pair.public().as_ref(),
        );
        let signed = &token[..h.len() + 1 + p.len()];
        public
            .verify(signed.as_bytes(), &sig)
            .map_err(|_| "IDX10511: Signature validation failed.")?;
        match decode(p).and_then(|b| serde_json::from_slice::<Value>(&b).ok()) {
            Some(Value::Object(claims)) => Ok(claims),
            _ => Err("IDX14100: JWT is not well formed."),
        }
    }
}

/// Decodes a JWT's claims without checking anything (for tests and tools).
pub fn decode_unverified(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// `n` random bytes as unpadded base64url.
pub fn random_id(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    SystemRandom::new()
        .fill(&mut buf)
        .expect("system randomness");
    URL_SAFE_NO_PAD.encode(buf)
}

/// PKCE S256 challenge of a verifier: `BASE64URL(SHA256(verifier))`.
pub fn pkce_challenge(verifier: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// PKCE S256: `BASE64URL(SHA256(verifier)) == challenge`.
pub fn pkce_s256_matches(verifier: &str, challenge: &str) -> bool {
    !verifier.is_empty() && pkce_challenge(verifier) == challenge
}

/// Standard base64 (for SPKI pins).
pub fn base64_std(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_refuses_tampering() {
        let t0 = std::time::Instant::now();
        let key = SigningKey::shared();
        eprintln!("key generation: {:?}", t0.elapsed());
        let token = key.sign(&json!({"sub": "a", "n": 1}));
        assert_eq!(key.verify(&token).unwrap()["sub"], "a");
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(json!({"sub": "b", "n": 1}).to_string());
        parts[1] = &forged;
        assert!(key.verify(&parts.join(".")).is_err());
        assert!(key.verify("a.b").is_err());
        assert_eq!(key.jwks()["keys"][0]["kid"], key.kid.as_str());
    }

    #[test]
    fn pkce_s256_compares_the_hashed_verifier() {
        assert!(pkce_s256_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r7wL3YE0mvXFdY",
            "V431-g7n72QXw7VkJrH0wmq-f1bav_ZY2koT3jUh28s"
        ));
        assert!(!pkce_s256_matches(
            "wrong",
            "V431-g7n72QXw7VkJrH0wmq-f1bav_ZY2koT3jUh28s"
        ));
    }
}
