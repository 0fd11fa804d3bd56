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
}
