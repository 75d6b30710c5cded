//! The committer written into reflog entries: name and email as gix resolves
//! them (environment, `committer.*`, `user.*`, fallbacks), the date from
//! `GIT_COMMITTER_DATE` or the clock in the local time zone.
//!
//! gix's `Repository::committer()` gives the same answer but first loads
//! jiff's whole time-zone database (a walk of `/usr/share/zoneinfo`, about a
//! millisecond), which would double the cost of a single `update-ref`. Here
//! the local zone is read from `TZ` or `/etc/localtime` alone, as libc does.

use gix_actor::Signature;
use gix_date::Time;

use crate::Fatal;

/// The committer for reflog entries, `None` if no name or email is configured.
pub fn committer(repo: &gix::Repository) -> Result<Option<Signature>, Fatal> {
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
    let time = match config.string("gitoxide.commit.committerDate") {
        Some(date) => {
            let date = date.to_string();
            gix_date::parse(&date, None)
                .or_else(|_| gix_date::parse(&date, Some(gix_date::Zoned::now())))
                .map_err(|_| Fatal::msg(format!("invalid date format: {date}")))?
        }
        None => now_local(),
    };
    Ok(Some(Signature { name, email, time }))
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

/// The local time zone as libc finds it: `TZ` (empty means UTC, a name or
/// `:name` a zoneinfo file, otherwise a POSIX rule), else `/etc/localtime`.
fn local_zone() -> Option<jiff::tz::TimeZone> {
    let from_file = |path: &std::path::Path| {
        let data = std::fs::read(path).ok()?;
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
