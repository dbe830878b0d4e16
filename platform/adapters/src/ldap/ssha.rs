//! `{SSHA}` password values: salted SHA-1, which every LDAP server verifies
//! on bind without extra modules (RFC 2307 style `userPassword`).

use base64::Engine;
use rand::RngCore;
use sha1::{Digest, Sha1};

pub fn hash(password: &str) -> String {
    let mut salt = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut salt);
    hash_with_salt(password, &salt)
}

fn hash_with_salt(password: &str, salt: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(password.as_bytes());
    h.update(salt);
    let mut bytes = h.finalize().to_vec();
    bytes.extend_from_slice(salt);
    format!(
        "{{SSHA}}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_value_and_salting() {
        // Computed independently: `{SSHA}` of "secret" with salt "12345678".
        assert_eq!(
            hash_with_salt("secret", b"12345678"),
            "{SSHA}tCNGqyJLk/uvKpCa4vga5GB2gWoxMjM0NTY3OA=="
        );
        assert_ne!(hash("secret"), hash("secret"));
    }
}
