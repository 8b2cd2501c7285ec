//! Keeping secrets (the master key, passwords) from leaving copies in memory: strings that
//! never outgrow their buffer (a `String` that grows copies itself and frees the old buffer
//! without zeroing it), hex written in place, and a scrub of the stack left behind by
//! functions that handled a secret and have returned.

use zeroize::{Zeroize, Zeroizing};

/// Appends `c` to a secret being typed. When the buffer is full it moves to one twice the
/// size and the old one is zeroed as it is dropped; `String::push` would free it holding the
/// secret typed so far.
pub fn push_char(secret: &mut Zeroizing<String>, c: char) {
    let needed = secret.len() + c.len_utf8();
    if needed > secret.capacity() {
        let mut grown = Zeroizing::new(String::with_capacity(needed.max(32).next_power_of_two()));
        grown.push_str(secret);
        // The old buffer is zeroized when the replaced value drops here.
        *secret = grown;
    }
    secret.push(c);
}

/// Fills `secret` straight from the operating system's CSPRNG. Not via rand's thread RNG: its
/// buffer keeps the bytes it handed out until it is next refilled.
pub fn fill_random(secret: &mut [u8]) {
    use rand::{RngCore, TryRngCore};
    if rand::rngs::OsRng.try_fill_bytes(secret).is_err() {
        rand::rng().fill_bytes(secret);
    }
}

/// Appends the lower-case hex of `bytes` to `out` without ever growing it: the caller gives it
/// room for two characters per byte (a growing `String` would leave a copy of the hex so far
/// in a freed buffer). Refuses, appending nothing, when there is not room.
pub fn push_hex(out: &mut String, bytes: &[u8]) -> bool {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    if out.capacity() - out.len() < bytes.len() * 2 {
        return false;
    }
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    true
}

/// `parts` joined into a zeroizing string of exactly their length, so it never grows (as
/// `format!` may, leaving the text so far in a freed buffer): for statements that carry a key.
pub fn concat(parts: &[&str]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(parts.iter().map(|p| p.len()).sum()));
    for part in parts {
        out.push_str(part);
    }
    out
}

/// How much of the stack below the caller [`scrub_stack`] zeroes: far more than the deepest
/// key work (Argon2id's hashing, X25519, SQLCipher's key set-up) uses.
const SCRUB_BYTES: usize = 128 * 1024;

/// Zeroes the stack below the caller's frame, where functions that have returned left their
/// locals: copies of keys and passwords inside the crypto libraries and SQLCipher that no
/// `Zeroizing` reaches. Call it after the work with a secret has returned, from a frame above
/// that work. Costs a few microseconds.
#[inline(never)]
pub fn scrub_stack() {
    let mut stack = [0u8; SCRUB_BYTES];
    stack.zeroize();
    std::hint::black_box(&stack);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_secret_grows_without_losing_characters() {
        let mut s = Zeroizing::new(String::new());
        let text = "Kestrel-Harbour-7391-Quill-Lantern-é-and-more-characters-than-64-so-it-grows";
        for c in text.chars() {
            push_char(&mut s, c);
        }
        assert_eq!(s.as_str(), text);
        assert!(s.capacity() >= text.len());
    }

    #[test]
    fn hex_is_written_only_into_room_already_there() {
        let mut out = String::with_capacity(4);
        assert!(push_hex(&mut out, &[0x0f, 0xa0]));
        assert_eq!(out, "0fa0");
        assert!(!push_hex(&mut out, &[1]));
        assert_eq!(out, "0fa0");
    }

    #[test]
    fn concat_is_exactly_as_long_as_its_parts() {
        let s = concat(&["PRAGMA key = \"", "x'00'", "\";"]);
        assert_eq!(s.as_str(), "PRAGMA key = \"x'00'\";");
        assert_eq!(s.capacity(), s.len());
    }
}
