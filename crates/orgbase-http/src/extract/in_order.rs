//! Extracting a handler's arguments one after the other.
//!
//! actix polls all of a handler's extractors together, so when an early one waits (the query
//! parser fetching the custom field definitions, the body still arriving) a later one's error
//! can win. orgbase answers the first fault in argument order (the query, then the id in the
//! URL, then the body), whatever the timing: [`InOrder`] wraps every handler the routing table
//! registers (meilisearch's `SeqHandler` does the same for its authentication extractor).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, Handler, HttpRequest};

/// A handler whose arguments are extracted in order, each only after the one before it
/// succeeded.
#[derive(Debug, Clone, Copy)]
pub struct InOrder<H>(pub H);

/// A handler's arguments, extracted in order.
#[derive(Debug)]
pub struct Sequence<Args>(Args);

type Extracting<Args> = Pin<Box<dyn Future<Output = Result<Sequence<Args>, actix_web::Error>>>>;

macro_rules! in_order {
    ($($arg:ident),*) => {
        impl<$($arg: FromRequest + 'static,)*> FromRequest for Sequence<($($arg,)*)> {
            type Error = actix_web::Error;
            type Future = Extracting<($($arg,)*)>;

            #[allow(unused_variables, unused_mut)]
            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let req = req.clone();
                let mut payload = payload.take();
                Box::pin(async move {
                    Ok(Sequence(($(
                        $arg::from_request(&req, &mut payload).await.map_err(Into::into)?,
                    )*)))
                })
            }
        }

        impl<H, $($arg: FromRequest + 'static,)*> Handler<Sequence<($($arg,)*)>> for InOrder<H>
        where
            H: Handler<($($arg,)*)>,
        {
            type Output = H::Output;
            type Future = H::Future;

            #[allow(non_snake_case)]
            fn call(&self, Sequence(args): Sequence<($($arg,)*)>) -> Self::Future {
                self.0.call(args)
            }
        }
    };
}

in_order!();
in_order!(A);
in_order!(A, B);
in_order!(A, B, C);
in_order!(A, B, C, D);
in_order!(A, B, C, D, E);
in_order!(A, B, C, D, E, F);
