//! Strict PKCS#7, shared by every backend so that all of them accept and reject exactly the
//! same ciphertexts (backends run CBC without padding; this module pads and unpads).

use phone_core::Error;
use zeroize::Zeroizing;

/// The AES block size.
pub const BLOCK: usize = 16;

/// Appends PKCS#7 padding (1 to 16 bytes, all equal to the count).
#[cfg(any(test, feature = "alipay-side"))]
pub(crate) fn pad(plaintext: &[u8]) -> Vec<u8> {
    let n = BLOCK - plaintext.len() % BLOCK;
    let mut out = Vec::with_capacity(plaintext.len() + n);
    out.extend_from_slice(plaintext);
    out.resize(plaintext.len() + n, n as u8);
    out
}

/// Checks the ciphertext length before decryption.
pub(crate) fn check_ciphertext_len(ciphertext: &[u8]) -> Result<(), Error> {
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(BLOCK) {
        return Err(Error::DecryptFailed(
            "the ciphertext length is not a positive multiple of 16 bytes",
        ));
    }
    Ok(())
}

/// Removes PKCS#7 padding, checking every pad byte.
pub(crate) fn unpad(mut buf: Zeroizing<Vec<u8>>) -> Result<Zeroizing<Vec<u8>>, Error> {
    let bad = Error::DecryptFailed("bad padding (usually a wrong AES key)");
    let n = *buf.last().ok_or_else(|| bad.clone())? as usize;
    if n == 0 || n > BLOCK || n > buf.len() {
        return Err(bad);
    }
    // Fold over the whole pad so the check does not stop at the first mismatch.
    let diff = buf[buf.len() - n..].iter().fold(0u8, |acc, &b| acc | (b ^ n as u8));
    if diff != 0 {
        return Err(bad);
    }
    let len = buf.len() - n;
    buf.truncate(len);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_then_unpad_round_trips_every_length() {
        for len in 0..40 {
            let data: Vec<u8> = (0..len as u8).collect();
            let padded = pad(&data);
            assert_eq!(padded.len() % BLOCK, 0);
            assert!(padded.len() > data.len());
            assert_eq!(&*unpad(Zeroizing::new(padded)).unwrap(), &data[..]);
        }
    }

    #[test]
    fn rejects_every_malformed_pad() {
        let mut block = vec![0u8; 16];
        for bad_last in [0u8, 17, 200] {
            block[15] = bad_last;
            assert!(unpad(Zeroizing::new(block.clone())).is_err(), "{bad_last}");
        }
        let mut block = vec![3u8; 16];
        block[13] = 2;
        assert!(unpad(Zeroizing::new(block)).is_err());
        assert!(check_ciphertext_len(&[]).is_err());
        assert!(check_ciphertext_len(&[0; 17]).is_err());
    }

    fn refusal(buf: Vec<u8>) -> String {
        match unpad(Zeroizing::new(buf)) {
            Err(Error::DecryptFailed(why)) => why.to_owned(),
            other => panic!("not a decrypt_failed: {other:?}"),
        }
    }

    #[test]
    fn unpad_strips_exactly_the_pad_and_nothing_else() {
        // A full block of padding leaves nothing; one byte of padding leaves fifteen.
        assert_eq!(&*unpad(Zeroizing::new(vec![16; 16])).unwrap(), b"");
        let mut one = b"0123456789abcde".to_vec();
        one.push(1);
        assert_eq!(&*unpad(Zeroizing::new(one)).unwrap(), b"0123456789abcde");
        let mut two_blocks = vec![b'x'; 29];
        two_blocks.extend([3, 3, 3]);
        assert_eq!(&*unpad(Zeroizing::new(two_blocks)).unwrap(), &[b'x'; 29][..]);
        assert_eq!(pad(b""), vec![16; 16]);
        assert_eq!(pad(b"0123456789abcde"), b"0123456789abcde\x01");
    }

    #[test]
    fn unpad_refuses_counts_over_a_block_even_when_the_buffer_holds_them() {
        let bad = "bad padding (usually a wrong AES key)";
        // Every byte agrees with the count, but a PKCS#7 pad is never longer than a block.
        assert_eq!(refusal(vec![17; 32]), bad);
        assert_eq!(refusal(vec![200; 256]), bad);
        assert_eq!(refusal(vec![0; 16]), bad);
        // A count longer than the buffer (only a short buffer can have one).
        assert_eq!(refusal(vec![2]), bad);
        assert_eq!(refusal(vec![16; 15]), bad);
        assert_eq!(refusal(Vec::new()), bad);
    }

    #[test]
    fn unpad_refuses_two_wrong_pad_bytes_that_agree_with_each_other() {
        // Bytes that differ from the count in the same way must not cancel out.
        let mut block = vec![b'x'; 16];
        block[13..].copy_from_slice(&[2, 2, 3]);
        assert_eq!(refusal(block), "bad padding (usually a wrong AES key)");
        let mut block = vec![b'x'; 16];
        block[12..].copy_from_slice(&[5, 5, 4, 4]);
        assert_eq!(refusal(block), "bad padding (usually a wrong AES key)");
    }

    #[test]
    fn ciphertext_lengths_are_positive_multiples_of_a_block() {
        for len in [16, 32, 48, 1024] {
            assert!(check_ciphertext_len(&vec![0; len]).is_ok(), "{len}");
        }
        for len in [0, 1, 15, 17, 31, 33] {
            match check_ciphertext_len(&vec![0; len]) {
                Err(Error::DecryptFailed(why)) => {
                    assert_eq!(
                        why, "the ciphertext length is not a positive multiple of 16 bytes",
                        "{len}"
                    )
                }
                other => panic!("{len}: {other:?}"),
            }
        }
    }
}
