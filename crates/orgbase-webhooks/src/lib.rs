//! orgbase's webhook deliveries, from the change log.
//!
//! Each active webhook has a position in the log (`last_delivered_sequence`). Its own thread
//! reads the entries after it, delivers the first one the webhook hears of (every attempt
//! signed anew, in the Standard Webhooks format) and moves the position past it only when the
//! receiver answers 2xx, so entries arrive in order, at least once, and nothing is lost while
//! a receiver is down. Failures are retried with backoff and, after three days, the webhook is
//! turned off.
//!
//! - [`render`]: the body of a delivery: the event, and the resource as it is now.
//! - [`delivery`]: one signed `POST`, with its time limit, its refused destinations and its
//!   outcome.
//! - [`worker`]: a thread per active webhook, and one that starts them.
//! - [`testing`]: a receiver on loopback, for this crate's tests and the binary's.

pub mod delivery;
pub mod render;
pub mod testing;
pub mod worker;

pub use delivery::Deliverer;
pub use worker::{Step, start, step};
