//! Git's reftable varint: big-endian base-128 where each continuation adds one
//! (so every value has exactly one encoding).

use super::Corruption;

/// The longest encoding of a `u64`.
pub const MAX_LEN: usize = 10;

/// Appends the varint encoding of `v` to `out`.
#[inline]
pub fn put(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; MAX_LEN];
    let mut i = MAX_LEN - 1;
    buf[i] = (v & 0x7f) as u8;
    loop {
        v >>= 7;
        if v == 0 {
            break;
        }
        v -= 1;
        i -= 1;
        buf[i] = 0x80 | (v & 0x7f) as u8;
    }
    out.extend_from_slice(&buf[i..]);
}

#[cfg(test)]
/// The number of bytes [`put`] writes for `v`.
#[inline]
pub fn len(mut v: u64) -> usize {
    let mut n = 1;
    loop {
        v >>= 7;
        if v == 0 {
            return n;
        }
        v -= 1;
        n += 1;
    }
}

/// Decodes a varint from `data` at `*pos`, advancing `*pos`.
#[inline]
pub fn get(data: &[u8], pos: &mut usize) -> Result<u64, Corruption> {
    let mut i = *pos;
    let mut b = *data.get(i).ok_or(Corruption::Truncated)?;
    let mut val = u64::from(b & 0x7f);
    while b & 0x80 != 0 {
        i += 1;
        b = *data.get(i).ok_or(Corruption::Truncated)?;
        // (val + 1) << 7 must not lose bits.
        if val >= (u64::MAX >> 7) {
            return Err(Corruption::VarintOverflow);
        }
        val = ((val + 1) << 7) | u64::from(b & 0x7f);
    }
    *pos = i + 1;
    Ok(val)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_lengths() {
        for v in [
            0u64,
            1,
            127,
            128,
            255,
            16383,
            16384,
            16511,
            16512,
            1 << 32,
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            put(&mut out, v);
            assert_eq!(out.len(), len(v), "{v}");
            let mut pos = 0;
            assert_eq!(get(&out, &mut pos).unwrap(), v);
            assert_eq!(pos, out.len());
        }
        let mut out = Vec::new();
        put(&mut out, 128);
        assert_eq!(out, [0x80, 0x00]);
    }

    #[test]
    fn rejects_overflow_and_truncation() {
        let mut pos = 0;
        assert_eq!(get(&[0xff; 11], &mut pos), Err(Corruption::VarintOverflow));
        let mut pos = 0;
        assert_eq!(get(&[0x80], &mut pos), Err(Corruption::Truncated));
        let mut pos = 0;
        assert_eq!(get(&[], &mut pos), Err(Corruption::Truncated));
    }
}
