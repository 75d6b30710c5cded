//! The file header and footer.

use super::{Corruption, HashId};

/// Magic bytes at the start of every table.
pub const MAGIC: &[u8; 4] = b"REFT";
/// `sha1` as a version 2 hash id.
pub const FORMAT_ID_SHA1: u32 = 0x7368_6131;
/// `s256` as a version 2 hash id.
pub const FORMAT_ID_SHA256: u32 = 0x7332_3536;

/// Header size of a version.
pub fn header_size(version: u8) -> usize {
    if version == 1 {
        24
    } else {
        28
    }
}

/// Footer size of a version.
pub fn footer_size(version: u8) -> usize {
    header_size(version) + 44
}

/// The fields of a table header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Format version, 1 (SHA-1) or 2 (any hash, id in the header).
    pub version: u8,
    /// Block size the table was written with (0 is allowed for unaligned tables).
    pub block_size: u32,
    /// Smallest update index of the records.
    pub min_update_index: u64,
    /// Largest update index of the records.
    pub max_update_index: u64,
    /// Object id kind.
    pub hash: HashId,
}

impl Header {
    /// Encodes the header into `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(MAGIC);
        out.push(self.version);
        out.extend_from_slice(&self.block_size.to_be_bytes()[1..]);
        out.extend_from_slice(&self.min_update_index.to_be_bytes());
        out.extend_from_slice(&self.max_update_index.to_be_bytes());
        if self.version == 2 {
            let id = match self.hash {
                HashId::Sha1 => FORMAT_ID_SHA1,
                HashId::Sha256 => FORMAT_ID_SHA256,
            };
            out.extend_from_slice(&id.to_be_bytes());
        }
    }

    /// Decodes a header from the start of `data`.
    pub fn decode(data: &[u8]) -> Result<Header, Corruption> {
        if data.len() < 24 {
            return Err(Corruption::TooSmall {
                size: data.len() as u64,
            });
        }
        if &data[..4] != MAGIC {
            return Err(Corruption::BadMagic);
        }
        let version = data[4];
        let hash = match version {
            1 => HashId::Sha1,
            2 => {
                if data.len() < 28 {
                    return Err(Corruption::TooSmall {
                        size: data.len() as u64,
                    });
                }
                match be32(&data[24..]) {
                    FORMAT_ID_SHA1 => HashId::Sha1,
                    FORMAT_ID_SHA256 => HashId::Sha256,
                    other => return Err(Corruption::UnknownHashId(other)),
                }
            }
            v => return Err(Corruption::UnsupportedVersion(v)),
        };
        Ok(Header {
            version,
            block_size: be24(&data[5..]),
            min_update_index: be64(&data[8..]),
            max_update_index: be64(&data[16..]),
            hash,
        })
    }
}

/// The fields of a table footer after its copy of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Footer {
    /// Offset of the top-level ref index, 0 if none.
    pub ref_index_offset: u64,
    /// Offset of the first obj block, 0 if none.
    pub obj_offset: u64,
    /// Length of the abbreviated object ids in obj records.
    pub obj_id_len: u8,
    /// Offset of the top-level obj index, 0 if none.
    pub obj_index_offset: u64,
    /// Offset of the first log block (0 if none, or if the table has only logs).
    pub log_offset: u64,
    /// Offset of the top-level log index, 0 if none.
    pub log_index_offset: u64,
}

impl Footer {
    /// Encodes header, footer fields and CRC into `out`.
    pub fn encode(&self, header: &Header, out: &mut Vec<u8>) {
        let start = out.len();
        header.encode(out);
        out.extend_from_slice(&self.ref_index_offset.to_be_bytes());
        out.extend_from_slice(&((self.obj_offset << 5) | u64::from(self.obj_id_len)).to_be_bytes());
        out.extend_from_slice(&self.obj_index_offset.to_be_bytes());
        out.extend_from_slice(&self.log_offset.to_be_bytes());
        out.extend_from_slice(&self.log_index_offset.to_be_bytes());
        let crc = crc32fast::hash(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }

    /// Decodes and verifies the footer `data` (exactly the footer's bytes)
    /// against the file's `header`.
    pub fn decode(data: &[u8], header: &Header, header_bytes: &[u8]) -> Result<Footer, Corruption> {
        let hs = header_size(header.version);
        if data.len() != footer_size(header.version) {
            return Err(Corruption::TooSmall {
                size: data.len() as u64,
            });
        }
        let crc_at = data.len() - 4;
        let stored = be32(&data[crc_at..]);
        let computed = crc32fast::hash(&data[..crc_at]);
        if stored != computed {
            return Err(Corruption::CrcMismatch { stored, computed });
        }
        if data[..hs] != header_bytes[..hs] {
            return Err(Corruption::FooterMismatch);
        }
        let f = &data[hs..];
        let obj = be64(&f[8..]);
        Ok(Footer {
            ref_index_offset: be64(f),
            obj_offset: obj >> 5,
            obj_id_len: (obj & 0x1f) as u8,
            obj_index_offset: be64(&f[16..]),
            log_offset: be64(&f[24..]),
            log_index_offset: be64(&f[32..]),
        })
    }
}

#[inline]
pub(crate) fn be24(d: &[u8]) -> u32 {
    (u32::from(d[0]) << 16) | (u32::from(d[1]) << 8) | u32::from(d[2])
}
#[inline]
pub(crate) fn be16(d: &[u8]) -> u16 {
    (u16::from(d[0]) << 8) | u16::from(d[1])
}
#[inline]
pub(crate) fn be32(d: &[u8]) -> u32 {
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}
#[inline]
pub(crate) fn be64(d: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_be_bytes(b)
}
