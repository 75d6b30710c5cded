//! The committer written into reflog entries: name and email as gix resolves
//! them (environment, `committer.*`, `user.*`, fallbacks), the date from
//! `GIT_COMMITTER_DATE` (read as git's `parse_date`) or the clock in the local time zone.
//!
//! gix's `Repository::committer()` gives the same answer but first loads
//! jiff's whole time-zone database (a walk of `/usr/share/zoneinfo`, about a
//! millisecond), which would double the cost of a single `update-ref`. Here
//! the local zone is read from `TZ` or `/etc/localtime` alone, as libc does.

use gix::bstr::BString;
use gix_actor::SignatureRef;
use gix_date::Time;

use crate::Fatal;

/// Who writes reflog entries and when, the time as git's ident line has it.
pub struct Committer {
    name: BString,
    email: BString,
    /// `<seconds> <+|-><hhmm>`, as git's `date_string`: hours beyond 99
    /// take more digits (gix's own formatting refuses those).
    time: String,
}

impl Committer {
    /// The signature handed to the store.
    pub fn to_ref(&self) -> SignatureRef<'_> {
        SignatureRef {
            name: self.name.as_ref(),
            email: self.email.as_ref(),
            time: &self.time,
        }
    }
}

/// git's `date_string`: seconds and the zone offset in minutes.
fn date_string(seconds: i64, minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("{seconds} {sign}{:02}{:02}", m / 60, m % 60)
}

/// The committer for reflog entries, `None` if no name or email is configured.
pub fn committer(repo: &gix::Repository) -> Result<Option<Committer>, Fatal> {
    let config = repo.config_snapshot();
    let first = |keys: &[&str]| keys.iter().find_map(|k| config.string(*k));
    let name = first(&["committer.name", "user.name", "gitoxide.committer.nameFallback"]);
    let email = first(&[
        "committer.email",
        "user.email",
        "gitoxide.user.emailFallback",
        "gitoxide.committer.emailFallback",
    ]);
    let (Some(name), Some(email)) = (name, email) else {
        return Ok(None);
    };
    // As git's fmt_ident: an empty date is no date, any other must parse
    // strictly (no "yesterday").
    let time = match config.string("gitoxide.commit.committerDate").filter(|d| !d.is_empty()) {
        Some(date) => {
            let date = date.to_string();
            let (seconds, minutes) = crate::approxidate::parse_date(&date)
                .ok_or_else(|| Fatal::die(format!("invalid date format: {date}")))?;
            date_string(seconds, minutes)
        }
        None => {
            let now = now_local();
            date_string(now.seconds, now.offset / 60)
        }
    };
    Ok(Some(Committer { name, email, time }))
}

/// The current time with the local zone's offset.
pub fn now_local() -> Time {
    let now = jiff::Timestamp::now();
    let offset = local_zone().map(|tz| tz.to_offset(now).seconds()).unwrap_or(0);
    Time {
        seconds: now.as_second(),
        offset,
    }
}

/// The local time zone as the platform has it: on Windows the system's
/// (jiff reads it from Windows), elsewhere as libc finds it (below).
#[cfg(not(unix))]
fn local_zone() -> Option<jiff::tz::TimeZone> {
    jiff::tz::TimeZone::try_system().ok()
}

/// The local time zone as libc finds it: `TZ` (empty means UTC, a name or
/// `:name` a zoneinfo file, otherwise a POSIX rule), else `/etc/localtime`.
#[cfg(unix)]
fn local_zone() -> Option<jiff::tz::TimeZone> {
    let from_file = |path: &std::path::Path| {
        let data = reftable::core::file::read(path, reftable::core::file::MAX_SMALL_FILE).ok()?;
        jiff::tz::TimeZone::tzif("Local", &data).ok()
    };
    match std::env::var("TZ") {
        Ok(tz) if tz.is_empty() => Some(jiff::tz::TimeZone::UTC),
        Ok(tz) => {
            let name = tz.strip_prefix(':').unwrap_or(&tz);
            let path = std::path::Path::new(name);
            if path.is_absolute() {
                return from_file(path);
            }
            let safe = !name.split('/').any(|c| c == ".." || c.is_empty());
            safe.then(|| from_file(&std::path::Path::new("/usr/share/zoneinfo").join(name)))
                .flatten()
                .or_else(|| jiff::tz::TimeZone::posix(name).ok())
        }
        Err(_) => from_file(std::path::Path::new("/etc/localtime")),
    }
}
