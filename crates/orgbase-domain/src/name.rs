/// The longest name, in characters.
pub const NAME_MAX_CHARS: usize = 255;

/// The key two names share when they are "the same name": trimmed and lower-cased.
/// Stored beside the name under a UNIQUE index, so uniqueness holds under concurrency.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}
