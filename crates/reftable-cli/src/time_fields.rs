//! The numbers of a broken-down time, shared by the C library's functions
//! (`libc_time`, Unix) and their portable counterparts (`portable_time`).

/// The numbers of a `struct tm`, as C has them (`year` since 1900, `mon`
/// 0–11, `isdst` negative for unknown), for code that works on the fields
/// as git's does (its `approxidate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fields {
    pub year: i32,
    pub mon: i32,
    pub mday: i32,
    pub hour: i32,
    pub min: i32,
    pub sec: i32,
    pub wday: i32,
    pub isdst: i32,
}

impl Fields {
    /// git's `tm_to_time_t`: the time the fields name read as UTC, or -1
    /// outside 1970–2099 or with a time field unset.
    pub(crate) fn utc_seconds(&self) -> i64 {
        const MDAYS: [i64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        let year = self.year as i64 - 70;
        let month = self.mon;
        let mut day = self.mday as i64;
        if !(0..=129).contains(&year) || !(0..=11).contains(&month) {
            return -1;
        }
        if month < 2 || (year + 2) % 4 != 0 {
            day -= 1;
        }
        if self.hour < 0 || self.min < 0 || self.sec < 0 {
            return -1;
        }
        (year * 365 + (year + 1) / 4 + MDAYS[month as usize] + day) * 86_400
            + self.hour as i64 * 3600
            + self.min as i64 * 60
            + self.sec as i64
    }
}
